// Madang's post editor: Quill on top of the plain <textarea>, which keeps working when
// scripts are off. The server sanitises whatever HTML arrives, so this file only makes
// writing pleasant; it is not a safety layer.
//
// The body is written as rich text (Quill), Markdown or plain text, as the form's "format"
// radios say; only rich text uses Quill, the others the textarea itself. Pictures and files
// dropped or pasted into the body are uploaded at once (see editor_uploads.rs on the
// server) and put in as an <img> or a link (Markdown: ![name](address) or [name](address));
// what happens is said in the form's status line. The file fields below the editor stay.
(function () {
  "use strict";

  // Quill's controls are icons: each gets its name from the page (data-label-* on the
  // textarea, in the page's language). A "ql-list" button with value "ordered" is
  // "list-ordered"; the heading picker is "header", its items "header-2", "header-normal".
  function nameControls(toolbar, textarea) {
    function label(name) {
      return name ? textarea.getAttribute("data-label-" + name) : null;
    }
    function format(element) {
      return (element.className.match(/ql-(\w+)/) || [])[1];
    }
    toolbar.querySelectorAll("button").forEach(function (button) {
      var name = format(button);
      var text = label(button.value ? name + "-" + button.value : name);
      if (text) {
        button.setAttribute("aria-label", text);
      }
    });
    toolbar.querySelectorAll(".ql-picker").forEach(function (picker) {
      var name = format(picker);
      var opener = picker.querySelector(".ql-picker-label");
      if (opener && label(name)) {
        opener.setAttribute("aria-label", label(name));
      }
      picker.querySelectorAll(".ql-picker-item").forEach(function (item) {
        var text = label(name + "-" + (item.getAttribute("data-value") || "normal"));
        if (text) {
          // data-label is what Quill's stylesheet shows for an item (and, once chosen, on
          // the picker), in place of its built-in English.
          item.setAttribute("data-label", text);
          item.setAttribute("aria-label", text);
          if (opener && item.classList.contains("ql-selected")) {
            opener.setAttribute("data-label", text);
          }
        }
      });
    });
  }

  // Uploads files dropped or pasted into the body, one after the other (so they land in
  // order and each is counted against the board's limit). `place(answer)` puts a file that
  // was accepted into the body. Returns null when the form offers no uploads.
  function uploader(textarea) {
    var url = textarea.getAttribute("data-upload-url");
    var form = textarea.form;
    var status = document.getElementById(textarea.getAttribute("data-upload-status") || "");
    if (!url || !status || !window.fetch || !window.FormData) {
      return null;
    }
    var queue = Promise.resolve();

    function message(name, fileName) {
      return (textarea.getAttribute("data-msg-" + name) || "").split("{name}").join(fileName);
    }
    function say(text, failed) {
      status.textContent = text;
      status.classList.toggle("is-error", !!failed);
    }
    function send(file, place) {
      var name = file.name || "image.png";
      var data = new FormData();
      data.append("csrf", form.elements.csrf.value);
      data.append("batch", form.elements.upload_batch ? form.elements.upload_batch.value : "");
      data.append("post", textarea.getAttribute("data-upload-post") || "");
      data.append("file", file, name);
      say(message("uploading", name), false);
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          // A refusal is JSON with a message; anything else (a proxy's page, a dropped
          // connection) gets the general one.
          return response.json().then(
            function (answer) { return { ok: response.ok, answer: answer || {} }; },
            function () { return { ok: false, answer: {} }; }
          );
        })
        .then(
          function (result) {
            if (result.ok && result.answer.url) {
              place(result.answer);
              say(message("uploaded", result.answer.name || name), false);
            } else {
              say(result.answer.error || message("failed", name), true);
            }
          },
          function () { say(message("failed", name), true); }
        );
    }
    var uploadAll = function (files, place) {
      Array.prototype.forEach.call(files, function (file) {
        queue = queue.then(function () { return send(file, place); });
      });
      return queue;
    };
    uploadAll.say = say;
    return uploadAll;
  }

  // A picture's text for those who cannot see it, until its author writes a better one:
  // its file's name without the extension ("site-map" for site-map.png).
  function altOf(name) {
    return name.replace(/\.[A-Za-z0-9]{1,5}$/, "");
  }

  // Markdown's link text with the characters that would end or change it escaped.
  function markdownText(text) {
    return text.replace(/[\\\[\]*_`<>!]/g, "\\$&");
  }

  function start() {
    var textarea = document.querySelector("textarea[data-editor]");
    if (!textarea || typeof window.Quill !== "function") {
      return;
    }
    var form = textarea.form;
    var formats = form.querySelectorAll('input[name="format"]');
    var markdownHint = document.getElementById("markdown-hint");
    var upload = uploader(textarea);
    var holder = document.createElement("div");
    holder.className = "editor";
    textarea.parentNode.insertBefore(holder, textarea.nextSibling);

    var quill = new window.Quill(holder, {
      theme: "snow",
      modules: {
        toolbar: [
          [{ header: [2, 3, false] }],
          ["bold", "italic", "underline", "strike"],
          ["link", "blockquote"],
          [{ list: "ordered" }, { list: "bullet" }],
          ["clean"],
        ],
        keyboard: {
          // Tab leaves the editor, as everywhere else on the page (no keyboard trap).
          bindings: {
            tab: { key: "Tab", handler: function () { return true; } },
            "shift tab": { key: "Tab", shiftKey: true, handler: function () { return true; } },
          },
        },
      },
    });
    var label = form.querySelector('label[for="' + textarea.id + '"]');
    if (label) {
      label.id = label.id || textarea.id + "-label";
      quill.root.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { quill.focus(); });
    }
    // The hint under the field (what the server removes) belongs to the editor too (the
    // Markdown hint does not).
    if (textarea.getAttribute("aria-describedby")) {
      quill.root.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby").split(" ")[0]);
    }
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    var toolbar = holder.previousSibling;
    if (toolbar && toolbar.classList && toolbar.classList.contains("ql-toolbar")) {
      toolbar.setAttribute("role", "toolbar");
      toolbar.setAttribute("aria-label", textarea.getAttribute("data-toolbar-label") || "Formatting");
      nameControls(toolbar, textarea);
    }

    // Files dropped or pasted into Quill: its own uploader finds where they were dropped
    // (or the cursor, for a paste) and would put pictures in as data: addresses, which the
    // server removes; here every file goes to the server instead, and each accepted one is
    // put in where the drop was, after the ones before it.
    quill.uploader.upload = function (range, files) {
      if (!upload) {
        return;
      }
      var at = range ? range.index + range.length : quill.getLength() - 1;
      upload(files, function (answer) {
        if (answer.image) {
          quill.insertEmbed(at, "image", answer.url, "user");
          quill.formatText(at, 1, "alt", altOf(answer.name), "user");
          at += 1;
        } else {
          quill.insertText(at, answer.name, "link", answer.url, "user");
          at += answer.name.length;
        }
        quill.setSelection(at, 0, "silent");
      });
    };

    function mode() {
      for (var i = 0; i < formats.length; i++) {
        if (formats[i].checked) {
          return formats[i].value;
        }
      }
      return "html";
    }
    function htmlMode() {
      return mode() === "html";
    }

    // Files dropped or pasted into the plain box: in Markdown they go in as Markdown at the
    // cursor; in plain text they are refused (a browser would otherwise leave the page to
    // open a dropped file).
    function takeFiles(event, files) {
      if (!files || !files.length) {
        return;
      }
      event.preventDefault();
      if (!upload) {
        return;
      }
      if (mode() !== "markdown") {
        upload.say(textarea.getAttribute("data-msg-plain") || "", true);
        return;
      }
      upload(files, function (answer) {
        var label = answer.image ? altOf(answer.name) : answer.name;
        var text = (answer.image ? "!" : "") + "[" + markdownText(label) + "](" + answer.url + ")";
        var from = textarea.selectionStart;
        var to = textarea.selectionEnd;
        var before = textarea.value.slice(0, from);
        var pad = before && !/\s$/.test(before) ? " " : "";
        textarea.value = before + pad + text + textarea.value.slice(to);
        textarea.selectionStart = textarea.selectionEnd = from + pad.length + text.length;
      });
    }
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
      }
    });
    textarea.addEventListener("drop", function (event) {
      takeFiles(event, event.dataTransfer && event.dataTransfer.files);
    });
    textarea.addEventListener("paste", function (event) {
      takeFiles(event, event.clipboardData && event.clipboardData.files);
    });

    function show() {
      var rich = htmlMode();
      holder.hidden = !rich;
      if (toolbar && toolbar.classList) {
        toolbar.hidden = !rich;
      }
      textarea.hidden = rich;
      if (markdownHint) {
        markdownHint.hidden = mode() !== "markdown";
        textarea.setAttribute("aria-describedby", mode() === "markdown" ? "body-hint markdown-hint" : "body-hint");
      }
    }

    if (htmlMode()) {
      quill.clipboard.dangerouslyPasteHTML(textarea.value);
    }
    var shown = mode();
    formats.forEach(function (radio) {
      radio.addEventListener("change", function () {
        // Between the plain formats (Markdown, text) the box keeps its text as it is.
        if (htmlMode()) {
          quill.setText(textarea.value);
        } else if (shown === "html") {
          // Quill's text always ends with a line break of its own.
          textarea.value = quill.getText().replace(/\n$/, "");
        }
        shown = mode();
        show();
      });
    });
    form.addEventListener("submit", function () {
      if (htmlMode()) {
        // Quill 2's semantic HTML writes every space as a no-break space, which would keep
        // a post's lines from wrapping (and its words from being found): plain spaces go.
        textarea.value = quill.getSemanticHTML().replace(/&nbsp;|\u00a0/g, " ");
      }
    });
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

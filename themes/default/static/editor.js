// Madang's post editor: Quill on top of the plain <textarea>, which keeps working when
// scripts are off. The server sanitises whatever HTML arrives, so this file only makes
// writing pleasant; it is not a safety layer.
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

  function start() {
    var textarea = document.querySelector("textarea[data-editor]");
    if (!textarea || typeof window.Quill !== "function") {
      return;
    }
    var form = textarea.form;
    var formats = form.querySelectorAll('input[name="format"]');
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
    // The hint under the field (what the server removes) belongs to the editor too.
    if (textarea.hasAttribute("aria-describedby")) {
      quill.root.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    var toolbar = holder.previousSibling;
    if (toolbar && toolbar.classList && toolbar.classList.contains("ql-toolbar")) {
      toolbar.setAttribute("role", "toolbar");
      toolbar.setAttribute("aria-label", textarea.getAttribute("data-toolbar-label") || "Formatting");
      nameControls(toolbar, textarea);
    }

    function htmlMode() {
      for (var i = 0; i < formats.length; i++) {
        if (formats[i].checked) {
          return formats[i].value !== "text";
        }
      }
      return true;
    }

    function show() {
      var rich = htmlMode();
      holder.hidden = !rich;
      if (toolbar && toolbar.classList) {
        toolbar.hidden = !rich;
      }
      textarea.hidden = rich;
    }

    if (htmlMode()) {
      quill.clipboard.dangerouslyPasteHTML(textarea.value);
    }
    formats.forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (htmlMode()) {
          quill.setText(textarea.value);
        } else {
          textarea.value = quill.getText();
        }
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

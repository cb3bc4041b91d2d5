//! What a board accepts as attachments: how many files, how large, and which kinds.
//!
//! Administrators choose among a few kinds of file they understand ("images", "office
//! documents") rather than raw media types; each kind stands for the media types
//! [`crate::download::sniff_mime`] gives such files, so the check is by content, never
//! by the name a file was uploaded with.

use std::fmt;

/// One kind of file a board may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// PNG, JPEG, GIF and WebP pictures.
    Images,
    /// PDF documents.
    Pdf,
    /// Word, Excel and PowerPoint files (old and new formats) and HWP/HWPX, the Korean
    /// word processor's.
    Office,
    /// ZIP archives.
    Archives,
    /// Plain UTF-8 text (`.txt`, `.csv`).
    Text,
}

impl FileKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [FileKind; 5] = [
        FileKind::Images,
        FileKind::Pdf,
        FileKind::Office,
        FileKind::Archives,
        FileKind::Text,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Images => "images",
            FileKind::Pdf => "pdf",
            FileKind::Office => "office",
            FileKind::Archives => "archives",
            FileKind::Text => "text",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The media types (as `sniff_mime` names them) files of this kind have.
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            FileKind::Images => &["image/png", "image/jpeg", "image/gif", "image/webp"],
            FileKind::Pdf => &["application/pdf"],
            // Old Office files and HWP 5 files are both OLE compound documents: sniffing
            // cannot tell them apart, and both belong here anyway.
            FileKind::Office => &[
                "application/x-ole-storage",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/hwp+zip",
                "application/x-hwp",
            ],
            FileKind::Archives => &["application/zip"],
            FileKind::Text => &["text/plain; charset=utf-8"],
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`FileKind`]s, stored as their names joined by commas (`images,pdf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileKinds(u8);

/// A stored or submitted kind name that is not one of [`FileKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKind(pub String);

impl fmt::Display for UnknownKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown kind of file {:?}", self.0)
    }
}

impl std::error::Error for UnknownKind {}

impl FileKinds {
    /// No kind at all.
    pub const NONE: FileKinds = FileKinds(0);
    /// Every kind: what boards accepted before limits were per board.
    pub const ALL: FileKinds = FileKinds(0b1_1111);

    /// The set of the given kinds.
    pub fn of(kinds: &[FileKind]) -> FileKinds {
        FileKinds(kinds.iter().fold(0, |bits, k| bits | k.bit()))
    }

    /// Whether the set holds `kind`.
    pub fn contains(self, kind: FileKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in [`FileKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = FileKind> {
        FileKind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// Whether a file of this media type (from `sniff_mime`) is of a kind in the set.
    pub fn allows(self, mime: &str) -> bool {
        self.iter().any(|k| k.mime_types().contains(&mime))
    }

    /// Parses the stored form: names separated by commas, spaces ignored, empty for none.
    /// An unknown name is refused rather than dropped, so a typo never widens or narrows
    /// what a board accepts unnoticed.
    pub fn parse(s: &str) -> Result<FileKinds, UnknownKind> {
        let mut kinds = FileKinds::NONE;
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let kind = FileKind::parse(name).ok_or_else(|| UnknownKind(name.to_owned()))?;
            kinds.0 |= kind.bit();
        }
        Ok(kinds)
    }

    /// The stored form, in [`FileKind::ALL`] order.
    pub fn format(self) -> String {
        self.iter()
            .map(FileKind::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Default for FileKinds {
    fn default() -> FileKinds {
        FileKinds::ALL
    }
}

/// Most files a board may allow on one post.
pub const MAX_FILES_LIMIT: u32 = 50;
/// Largest single-file limit a board may set, in MB, before the request limit applies.
pub const MAX_FILE_MB_LIMIT: u32 = 100;
/// One megabyte as limits count it (MiB, as the size a browser reports).
pub const MB: usize = 1024 * 1024;
/// Largest upload request (all files and fields) the server reads; a board's per-file
/// limit stays under it (see [`max_file_mb_for`]).
pub const MAX_REQUEST_BYTES: usize = 64 * MB;

/// Why a board's upload limits were refused; each has a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitError {
    /// More than [`MAX_FILES_LIMIT`] files.
    Files,
    /// Below 1 MB, or above what one request may carry.
    Size,
    /// Files are allowed but no kind of file is.
    Kinds,
}

impl LimitError {
    /// The locale key of the message.
    pub fn message_key(self) -> &'static str {
        match self {
            LimitError::Files => "admin-error-max-files",
            LimitError::Size => "admin-error-max-file-mb",
            LimitError::Kinds => "admin-error-allowed-kinds",
        }
    }
}

/// Why one uploaded file was refused; each has a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRefusal {
    /// The file is larger than the board allows.
    TooLarge,
    /// Its content is of no kind the board accepts.
    Type,
    /// The post would carry more files than the board allows.
    TooMany,
}

impl FileRefusal {
    /// The locale key of the message.
    pub fn message_key(self) -> &'static str {
        match self {
            FileRefusal::TooLarge => "write-error-file-too-large",
            FileRefusal::Type => "write-error-file-type",
            FileRefusal::TooMany => "write-error-too-many-files",
        }
    }

    /// The locale key of the message the editor shows when a file dropped into it is
    /// refused (the form's other fields are untouched, so it says nothing of them).
    pub fn editor_message_key(self) -> &'static str {
        match self {
            FileRefusal::TooLarge => "editor-upload-too-large",
            FileRefusal::Type => "editor-upload-type",
            FileRefusal::TooMany => "editor-upload-too-many",
        }
    }
}

/// A board's attachment limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UploadLimits {
    /// Most files on one post, 0 to [`MAX_FILES_LIMIT`]; 0 accepts none.
    pub max_files: u32,
    /// Largest file in MB (see [`max_file_mb_for`]).
    pub max_file_mb: u32,
    /// Kinds of file accepted, judged by content.
    pub kinds: FileKinds,
}

impl Default for UploadLimits {
    /// What every board accepted before the limits were per board.
    fn default() -> UploadLimits {
        UploadLimits {
            max_files: 10,
            max_file_mb: 20,
            kinds: FileKinds::ALL,
        }
    }
}

/// The largest per-file limit in MB for a request limit of `request_bytes`: at most
/// [`MAX_FILE_MB_LIMIT`], and one MB under the request limit so a file of the largest size
/// still fits with the form's other fields.
pub fn max_file_mb_for(request_bytes: usize) -> u32 {
    let room = (request_bytes / MB).saturating_sub(1);
    u32::try_from(room)
        .unwrap_or(u32::MAX)
        .min(MAX_FILE_MB_LIMIT)
}

impl UploadLimits {
    /// Checks the limits against their ranges, given the largest request the server takes.
    pub fn validate(&self, request_bytes: usize) -> Result<(), LimitError> {
        if self.max_files > MAX_FILES_LIMIT {
            return Err(LimitError::Files);
        }
        if self.max_file_mb < 1 || self.max_file_mb > max_file_mb_for(request_bytes) {
            return Err(LimitError::Size);
        }
        if self.max_files > 0 && self.kinds.is_empty() {
            return Err(LimitError::Kinds);
        }
        Ok(())
    }

    /// The largest file in bytes.
    pub fn max_file_bytes(&self) -> usize {
        self.max_file_mb as usize * MB
    }

    /// Checks that a post may carry `total` files in all (stored, staged from the editor
    /// and sent with the form).
    pub fn check_count(&self, total: usize) -> Result<(), FileRefusal> {
        if total > self.max_files as usize {
            Err(FileRefusal::TooMany)
        } else {
            Ok(())
        }
    }

    /// Checks one more file of `size` bytes and media type `mime` (from `sniff_mime`) for
    /// a post that already has `count` files (stored or accepted in the same form).
    pub fn check(&self, count: usize, size: usize, mime: &str) -> Result<(), FileRefusal> {
        if count >= self.max_files as usize {
            Err(FileRefusal::TooMany)
        } else if size > self.max_file_bytes() {
            Err(FileRefusal::TooLarge)
        } else if !self.kinds.allows(mime) {
            Err(FileRefusal::Type)
        } else {
            Ok(())
        }
    }
}

/// Longest attachment caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 200;

/// A caption as stored: trimmed, line breaks and control characters turned into spaces, cut
/// to [`MAX_CAPTION_CHARS`] characters. It is plain text, escaped wherever it is shown.
pub fn clean_caption(s: &str) -> String {
    let flat: String = s
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_CAPTION_CHARS)
        .collect();
    flat.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 64 * MB;

    #[test]
    fn kinds_name_their_media_types() {
        assert_eq!(FileKind::Pdf.mime_types(), &["application/pdf"]);
        assert!(FileKind::Images.mime_types().contains(&"image/webp"));
        assert!(FileKind::Office.mime_types().contains(&"application/x-hwp"));
        assert!(
            FileKind::Office
                .mime_types()
                .contains(&"application/hwp+zip")
        );
        assert!(!FileKind::Images.mime_types().contains(&"application/pdf"));
    }

    #[test]
    fn the_default_accepts_exactly_what_was_accepted_before() {
        // The site-wide list the web layer had before limits were per board.
        let before = [
            "application/pdf",
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "application/zip",
            "application/x-ole-storage",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/hwp+zip",
            "application/x-hwp",
            "text/plain; charset=utf-8",
        ];
        let all: Vec<&str> = FileKind::ALL
            .iter()
            .flat_map(|k| k.mime_types().iter().copied())
            .collect();
        assert_eq!(all.len(), before.len());
        assert!(before.iter().all(|m| FileKinds::default().allows(m)));
        assert!(!FileKinds::default().allows("application/octet-stream"));
        let limits = UploadLimits::default();
        assert_eq!((limits.max_files, limits.max_file_mb), (10, 20));
        assert_eq!(limits.max_file_bytes(), 20 * 1024 * 1024);
    }

    #[test]
    fn kinds_parse_and_format_round_trip() {
        assert_eq!(
            FileKinds::default().format(),
            "images,pdf,office,archives,text"
        );
        let some = FileKinds::parse(" pdf , images").unwrap();
        assert_eq!(some.format(), "images,pdf");
        assert_eq!(FileKinds::parse(&some.format()), Ok(some));
        assert_eq!(FileKinds::parse(""), Ok(FileKinds::NONE));
        assert_eq!(
            FileKinds::parse("images,exe"),
            Err(UnknownKind("exe".into()))
        );
        assert_eq!(FileKind::parse("Images"), None);
        assert_eq!(
            FileKinds::of(&[FileKind::Text, FileKind::Pdf]).format(),
            "pdf,text"
        );
    }

    #[test]
    fn limits_are_validated() {
        assert_eq!(UploadLimits::default().validate(LIMIT), Ok(()));
        let with = |max_files, max_file_mb, kinds| UploadLimits {
            max_files,
            max_file_mb,
            kinds,
        };
        assert_eq!(with(0, 1, FileKinds::NONE).validate(LIMIT), Ok(()));
        assert_eq!(with(50, 63, FileKinds::ALL).validate(LIMIT), Ok(()));
        assert_eq!(
            with(51, 20, FileKinds::ALL).validate(LIMIT),
            Err(LimitError::Files)
        );
        assert_eq!(
            with(1, 0, FileKinds::ALL).validate(LIMIT),
            Err(LimitError::Size)
        );
        // A file as large as the whole request could not arrive with the form.
        assert_eq!(
            with(1, 64, FileKinds::ALL).validate(LIMIT),
            Err(LimitError::Size)
        );
        assert_eq!(max_file_mb_for(1024 * MB), MAX_FILE_MB_LIMIT);
        assert_eq!(
            with(1, 20, FileKinds::NONE).validate(LIMIT),
            Err(LimitError::Kinds)
        );
    }

    #[test]
    fn files_are_checked_by_count_size_and_kind() {
        let limits = UploadLimits {
            max_files: 2,
            max_file_mb: 1,
            kinds: FileKinds::of(&[FileKind::Images]),
        };
        assert_eq!(limits.check(0, MB, "image/png"), Ok(()));
        assert_eq!(limits.check(2, 10, "image/png"), Err(FileRefusal::TooMany));
        assert_eq!(
            limits.check(0, MB + 1, "image/png"),
            Err(FileRefusal::TooLarge)
        );
        assert_eq!(
            limits.check(0, 10, "application/pdf"),
            Err(FileRefusal::Type)
        );
        assert_eq!(limits.check_count(2), Ok(()));
        assert_eq!(limits.check_count(3), Err(FileRefusal::TooMany));
        assert_eq!(
            FileRefusal::TooMany.editor_message_key(),
            "editor-upload-too-many"
        );
    }

    #[test]
    fn captions_are_plain_single_lines() {
        assert_eq!(clean_caption("  Map of the march \n"), "Map of the march");
        assert_eq!(clean_caption("a\nb\tc"), "a b c");
        assert_eq!(clean_caption(&"가".repeat(300)).chars().count(), 200);
        assert_eq!(clean_caption("   "), "");
    }
}

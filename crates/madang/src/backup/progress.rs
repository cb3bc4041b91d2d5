//! Progress while backing up, verifying and restoring: bars on a terminal, plain lines
//! otherwise, or nothing (tests).

use std::io;

// ---------------------------------------------------------------------------------------
// Progress

/// Where progress goes: bars on a terminal, plain lines otherwise, or nowhere (tests).
pub enum Progress {
    Bars(indicatif::MultiProgress),
    Lines,
    Quiet,
}

impl Progress {
    /// Bars when standard error is a terminal, plain lines otherwise.
    pub fn for_output() -> Progress {
        use std::io::IsTerminal;
        if io::stderr().is_terminal() {
            Progress::Bars(indicatif::MultiProgress::new())
        } else {
            Progress::Lines
        }
    }

    pub(super) fn bar(&self, label: &str, total: u64, bytes: bool) -> Bar {
        let bar = match self {
            Progress::Bars(bars) => {
                let bar = bars.add(indicatif::ProgressBar::new(total));
                let template = if bytes {
                    "{prefix:20} [{bar:30}] {bytes}/{total_bytes} {msg}"
                } else {
                    "{prefix:20} [{bar:30}] {pos}/{len} {msg}"
                };
                bar.set_style(
                    indicatif::ProgressStyle::with_template(template)
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_prefix(label.to_owned());
                Some(bar)
            }
            _ => None,
        };
        Bar {
            bar,
            lines: matches!(self, Progress::Lines),
            label: label.to_owned(),
            position: 0,
            bytes,
        }
    }

    /// A line for the person running the command (warnings, notes).
    pub(super) fn note(&self, text: &str) {
        match self {
            Progress::Bars(bars) => {
                let _ = bars.println(text);
            }
            Progress::Lines => eprintln!("{text}"),
            Progress::Quiet => {}
        }
    }
}

pub(super) struct Bar {
    bar: Option<indicatif::ProgressBar>,
    lines: bool,
    label: String,
    position: u64,
    bytes: bool,
}

impl Bar {
    pub(super) fn set(&mut self, position: u64) {
        self.position = position;
        if let Some(bar) = &self.bar {
            if bar.length().is_some_and(|l| l < position) {
                bar.set_length(position);
            }
            bar.set_position(position);
        }
    }

    pub(super) fn inc(&mut self, by: u64) {
        self.set(self.position + by);
    }

    pub(super) fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }

    pub(super) fn finish(self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(summary.to_owned());
        }
        if self.lines {
            let amount = if self.bytes {
                format!("{} bytes", self.position)
            } else {
                self.position.to_string()
            };
            if self.position == 0 && !self.bytes {
                println!("{}: {summary}", self.label);
            } else {
                println!("{}: {amount} {summary}", self.label);
            }
        }
    }
}

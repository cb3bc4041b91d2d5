//! A small reader for mysqldump files: splits the stream into statements and reads the two
//! kinds an importer needs — `CREATE TABLE` (for the column names, which differ between
//! GnuBoard5 versions) and `INSERT` (extended or one row each, with or without a column
//! list). Everything else (`SET`, `LOCK TABLES`, `/*!…*/` version comments, `DROP TABLE`)
//! is recognised and skipped.
//!
//! Written by hand rather than with a general SQL parser: mysqldump's dialect (backslash
//! escapes, `/*!40000 … */`, `_binary` introducers) is small, and a value tokenizer that
//! knows only it is fast, streaming and strict about what it does not know.

use std::io::BufRead;

use thiserror::Error;

/// A problem in the dump itself.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DumpError {
    #[error("line {line}: {message}")]
    Syntax { line: u64, message: String },
    #[error("the dump ends inside a statement that starts at line {line}: the file is truncated")]
    Truncated { line: u64 },
    #[error("reading the dump: {0}")]
    Io(String),
}

/// One value of an `INSERT` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    /// A number as written (`-4`, `12.5`).
    Number(String),
    /// A string. Bytes that are not UTF-8 are replaced (and counted by the reader).
    Text(String),
}

impl Value {
    /// The value as text; `NULL` is empty.
    pub fn as_str(&self) -> &str {
        match self {
            Value::Null => "",
            Value::Number(s) | Value::Text(s) => s,
        }
    }

    /// The value as an integer; `NULL`, empty and non-numeric text are 0, decimals are cut.
    pub fn as_i64(&self) -> i64 {
        Value::as_i64_str(self.as_str())
    }

    /// [`Value::as_i64`] of a value's text.
    pub fn as_i64_str(s: &str) -> i64 {
        let s = s.trim();
        s.parse::<i64>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
            .unwrap_or(0)
    }
}

/// A statement the importer cares about.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    CreateTable {
        table: String,
        columns: Vec<String>,
    },
    Insert {
        table: String,
        /// The statement's own column list, when it has one (`--complete-insert`).
        columns: Option<Vec<String>>,
        rows: Vec<Vec<Value>>,
    },
    /// Anything else; the first keyword, upper-cased.
    Other(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    Single,
    SingleEscape,
    Double,
    DoubleEscape,
    Backtick,
    LineComment,
    BlockComment,
}

/// Reads statements one by one from a dump.
pub struct DumpReader<R> {
    input: R,
    line: u64,
    /// The dump's last comment line said "Dump completed": it was not cut short.
    pub completed: bool,
    /// Strings whose bytes were not valid UTF-8.
    pub invalid_utf8: u64,
    /// The database named in mysqldump's header comment (`-- Host: … Database: g5`).
    pub database: Option<String>,
    comment: Vec<u8>,
}

/// A statement's text and the line it starts on.
pub struct RawStatement {
    pub line: u64,
    pub text: Vec<u8>,
}

impl<R: BufRead> DumpReader<R> {
    pub fn new(input: R) -> Self {
        DumpReader {
            input,
            line: 1,
            completed: false,
            invalid_utf8: 0,
            database: None,
            comment: Vec::new(),
        }
    }

    fn line_comment_done(comment: &[u8], completed: &mut bool, database: &mut Option<String>) {
        let comment = String::from_utf8_lossy(comment.trim_ascii());
        if comment.starts_with("Dump completed") {
            *completed = true;
        }
        if database.is_none()
            && let Some((_, db)) = comment.split_once("Database: ")
        {
            let db = db.trim();
            if !db.is_empty() {
                *database = Some(db.to_owned());
            }
        }
    }

    /// The next statement's text without comments, or `None` at the end.
    pub fn next_raw(&mut self) -> Result<Option<RawStatement>, DumpError> {
        let mut out: Vec<u8> = Vec::new();
        let mut start_line = 0u64;
        let mut state = State::Normal;
        let mut prev = 0u8;
        loop {
            let buf = self
                .input
                .fill_buf()
                .map_err(|e| DumpError::Io(e.to_string()))?;
            if buf.is_empty() {
                let pending = out.iter().any(|b| !b.is_ascii_whitespace());
                let inside = !matches!(state, State::Normal | State::LineComment);
                if pending || inside {
                    return Err(DumpError::Truncated {
                        line: start_line.max(1),
                    });
                }
                return Ok(None);
            }
            let mut used = 0;
            let mut done = false;
            for &b in buf {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                match state {
                    State::Normal => match b {
                        b';' => {
                            if out.iter().any(|b| !b.is_ascii_whitespace()) {
                                done = true;
                                break;
                            }
                            out.clear();
                        }
                        b'-' if prev == b'-' && out.last() == Some(&b'-') => {
                            out.pop();
                            state = State::LineComment;
                            self.comment.clear();
                        }
                        b'#' => {
                            state = State::LineComment;
                            self.comment.clear();
                        }
                        b'*' if prev == b'/' && out.last() == Some(&b'/') => {
                            out.pop();
                            state = State::BlockComment;
                            prev = 0;
                            continue;
                        }
                        _ => {
                            if start_line == 0 {
                                if b.is_ascii_whitespace() {
                                    prev = b;
                                    continue;
                                }
                                start_line = self.line;
                            }
                            if b == b'\'' {
                                state = State::Single;
                            } else if b == b'"' {
                                state = State::Double;
                            } else if b == b'`' {
                                state = State::Backtick;
                            }
                            out.push(b);
                        }
                    },
                    State::Single | State::Double => {
                        out.push(b);
                        if b == b'\\' {
                            state = if state == State::Single {
                                State::SingleEscape
                            } else {
                                State::DoubleEscape
                            };
                        } else if (b == b'\'' && state == State::Single)
                            || (b == b'"' && state == State::Double)
                        {
                            state = State::Normal;
                            // A doubled quote ('') re-enters the string at the next byte.
                            prev = 0;
                            continue;
                        }
                    }
                    State::SingleEscape => {
                        out.push(b);
                        state = State::Single;
                        prev = 0;
                        continue;
                    }
                    State::DoubleEscape => {
                        out.push(b);
                        state = State::Double;
                        prev = 0;
                        continue;
                    }
                    State::Backtick => {
                        out.push(b);
                        if b == b'`' {
                            state = State::Normal;
                            prev = 0;
                            continue;
                        }
                    }
                    State::LineComment => {
                        if b == b'\n' {
                            state = State::Normal;
                            Self::line_comment_done(
                                &self.comment,
                                &mut self.completed,
                                &mut self.database,
                            );
                            // A comment separates tokens.
                            out.push(b' ');
                        } else if self.comment.len() < 256 {
                            self.comment.push(b);
                        }
                    }
                    State::BlockComment => {
                        if b == b'/' && prev == b'*' {
                            state = State::Normal;
                            out.push(b' ');
                            prev = 0;
                            continue;
                        }
                    }
                }
                prev = b;
            }
            self.input.consume(used);
            if done {
                return Ok(Some(RawStatement {
                    line: start_line,
                    text: out,
                }));
            }
        }
    }

    /// The next statement, parsed. `skip_rows` tells, from the table name, which `INSERT`s
    /// need not be parsed (their rows come back empty).
    pub fn next_statement(
        &mut self,
        skip_rows: &dyn Fn(&str) -> bool,
    ) -> Result<Option<(u64, Statement)>, DumpError> {
        let Some(raw) = self.next_raw()? else {
            return Ok(None);
        };
        let mut p = Parser {
            s: &raw.text,
            i: 0,
            line: raw.line,
            invalid_utf8: 0,
        };
        let statement = p.statement(skip_rows)?;
        self.invalid_utf8 += p.invalid_utf8;
        Ok(Some((raw.line, statement)))
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: u64,
    invalid_utf8: u64,
}

impl Parser<'_> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, DumpError> {
        // Count the lines up to the error for a useful position.
        let extra = self.s[..self.i.min(self.s.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        Err(DumpError::Syntax {
            line: self.line + extra,
            message: message.into(),
        })
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// An unquoted word (letters, digits, `_`, `$`), as written.
    fn word(&mut self) -> &[u8] {
        self.skip_ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'$'))
        {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn keyword(&mut self, k: &str) -> bool {
        let save = self.i;
        if self.word().eq_ignore_ascii_case(k.as_bytes()) {
            true
        } else {
            self.i = save;
            false
        }
    }

    /// A table or column name: `quoted` or bare; a `db`.`table` prefix is dropped.
    fn identifier(&mut self) -> Result<String, DumpError> {
        self.skip_ws();
        let mut name = self.one_identifier()?;
        while self.peek() == Some(b'.') {
            self.i += 1;
            name = self.one_identifier()?;
        }
        Ok(name)
    }

    fn one_identifier(&mut self) -> Result<String, DumpError> {
        if self.peek() == Some(b'`') {
            self.i += 1;
            let mut out = Vec::new();
            loop {
                match self.peek() {
                    None => return self.error("unterminated `name`"),
                    Some(b'`') if self.s.get(self.i + 1) == Some(&b'`') => {
                        out.push(b'`');
                        self.i += 2;
                    }
                    Some(b'`') => {
                        self.i += 1;
                        break;
                    }
                    Some(b) => {
                        out.push(b);
                        self.i += 1;
                    }
                }
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        } else {
            let w = self.word();
            if w.is_empty() {
                return self.error("expected a name");
            }
            Ok(String::from_utf8_lossy(w).into_owned())
        }
    }

    fn statement(&mut self, skip_rows: &dyn Fn(&str) -> bool) -> Result<Statement, DumpError> {
        let first = self.word().to_ascii_uppercase();
        match first.as_slice() {
            b"CREATE" => {
                let save = self.i;
                // CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (…)
                self.keyword("TEMPORARY");
                if !self.keyword("TABLE") {
                    self.i = save;
                    return Ok(Statement::Other("CREATE".into()));
                }
                if self.keyword("IF") {
                    self.keyword("NOT");
                    self.keyword("EXISTS");
                }
                let table = self.identifier()?;
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    // CREATE TABLE … LIKE / AS SELECT: no columns to read.
                    return Ok(Statement::CreateTable {
                        table,
                        columns: Vec::new(),
                    });
                }
                self.i += 1;
                let columns = self.column_definitions()?;
                Ok(Statement::CreateTable { table, columns })
            }
            b"INSERT" | b"REPLACE" => {
                for modifier in ["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"] {
                    self.keyword(modifier);
                }
                self.keyword("INTO");
                let table = self.identifier()?;
                if skip_rows(&table) {
                    return Ok(Statement::Insert {
                        table,
                        columns: None,
                        rows: Vec::new(),
                    });
                }
                self.skip_ws();
                let columns = if self.peek() == Some(b'(') {
                    self.i += 1;
                    let mut cols = Vec::new();
                    loop {
                        cols.push(self.identifier()?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b')') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.error("bad column list in INSERT"),
                        }
                    }
                    Some(cols)
                } else {
                    None
                };
                if !(self.keyword("VALUES") || self.keyword("VALUE")) {
                    return self.error(format!(
                        "INSERT INTO `{table}` without VALUES is not supported"
                    ));
                }
                let rows = self.rows()?;
                Ok(Statement::Insert {
                    table,
                    columns,
                    rows,
                })
            }
            _ => Ok(Statement::Other(
                String::from_utf8_lossy(&first).into_owned(),
            )),
        }
    }

    /// Column names from the body of `CREATE TABLE (…)`; keys and constraints are left out.
    fn column_definitions(&mut self) -> Result<Vec<String>, DumpError> {
        let mut columns = Vec::new();
        loop {
            self.skip_ws();
            let start = self.i;
            let is_column = if self.peek() == Some(b'`') {
                true
            } else {
                let w = self.word().to_ascii_uppercase();
                self.i = start;
                !matches!(
                    w.as_slice(),
                    b"PRIMARY"
                        | b"KEY"
                        | b"UNIQUE"
                        | b"INDEX"
                        | b"CONSTRAINT"
                        | b"FULLTEXT"
                        | b"SPATIAL"
                        | b"FOREIGN"
                        | b"CHECK"
                        | b"PERIOD"
                ) && !w.is_empty()
            };
            if is_column {
                columns.push(self.identifier()?);
            }
            // Skip to the comma or closing parenthesis at this depth.
            let mut depth = 0usize;
            loop {
                match self.peek() {
                    None => return self.error("unterminated CREATE TABLE"),
                    Some(b'(') => depth += 1,
                    Some(b')') if depth == 0 => {
                        self.i += 1;
                        return Ok(columns);
                    }
                    Some(b')') => depth -= 1,
                    Some(b',') if depth == 0 => {
                        self.i += 1;
                        break;
                    }
                    Some(b'\'') | Some(b'"') => {
                        self.string()?;
                        continue;
                    }
                    Some(b'`') => {
                        self.one_identifier()?;
                        continue;
                    }
                    _ => {}
                }
                self.i += 1;
            }
        }
    }

    fn rows(&mut self) -> Result<Vec<Vec<Value>>, DumpError> {
        let mut rows = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() != Some(b'(') {
                return self.error("expected ( at the start of a row");
            }
            self.i += 1;
            let mut row = Vec::new();
            loop {
                self.skip_ws();
                if row.is_empty() && self.peek() == Some(b')') {
                    self.i += 1;
                    break;
                }
                row.push(self.value()?);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return self.error("expected , or ) after a value"),
                }
            }
            rows.push(row);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                // The end, or ON DUPLICATE KEY UPDATE …, which a dump never needs.
                _ => return Ok(rows),
            }
        }
    }

    fn value(&mut self) -> Result<Value, DumpError> {
        self.skip_ws();
        match self.peek() {
            Some(b'\'') | Some(b'"') => {
                let bytes = self.string()?;
                Ok(Value::Text(self.text(bytes)))
            }
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => {
                // 0x… hex literal: bytes.
                if self.s[self.i..].starts_with(b"0x") || self.s[self.i..].starts_with(b"0X") {
                    self.i += 2;
                    let start = self.i;
                    while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                        self.i += 1;
                    }
                    let bytes = hex_bytes(&self.s[start..self.i])
                        .ok_or(())
                        .or_else(|_| self.error("bad hex literal"))?;
                    return Ok(Value::Text(self.text(bytes)));
                }
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')
                }) {
                    self.i += 1;
                }
                Ok(Value::Number(
                    String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                ))
            }
            Some(b'_') => {
                // A character set introducer: _binary '…', _utf8mb4 0x….
                self.word();
                self.value()
            }
            Some(b'x' | b'X') if self.s.get(self.i + 1) == Some(&b'\'') => {
                self.i += 1;
                let digits = self.string()?;
                let bytes = hex_bytes(&digits)
                    .ok_or(())
                    .or_else(|_| self.error("bad hex literal"))?;
                Ok(Value::Text(self.text(bytes)))
            }
            Some(b'b' | b'B') if self.s.get(self.i + 1) == Some(&b'\'') => {
                self.i += 1;
                let bits = self.string()?;
                let n = bits
                    .iter()
                    .fold(0i64, |n, &b| n.wrapping_mul(2) + i64::from(b == b'1'));
                Ok(Value::Number(n.to_string()))
            }
            _ => {
                let w = self.word().to_ascii_uppercase();
                match w.as_slice() {
                    b"NULL" => Ok(Value::Null),
                    b"TRUE" => Ok(Value::Number("1".into())),
                    b"FALSE" => Ok(Value::Number("0".into())),
                    _ => self.error(format!(
                        "unexpected value {:?}",
                        String::from_utf8_lossy(&w)
                    )),
                }
            }
        }
    }

    fn text(&mut self, bytes: Vec<u8>) -> String {
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                self.invalid_utf8 += 1;
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        }
    }

    /// A quoted string with MySQL's escapes; the cursor is on the opening quote.
    fn string(&mut self) -> Result<Vec<u8>, DumpError> {
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return self.error("unterminated string");
            };
            self.i += 1;
            if b == b'\\' {
                let Some(e) = self.peek() else {
                    return self.error("unterminated string");
                };
                self.i += 1;
                match e {
                    b'0' => out.push(0),
                    b'b' => out.push(8),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'Z' => out.push(26),
                    // MySQL keeps the backslash before % and _ (they are LIKE escapes).
                    b'%' | b'_' => {
                        out.push(b'\\');
                        out.push(e);
                    }
                    other => out.push(other),
                }
            } else if b == quote {
                if self.peek() == Some(quote) {
                    out.push(quote);
                    self.i += 1;
                } else {
                    return Ok(out);
                }
            } else {
                out.push(b);
            }
        }
    }
}

fn hex_bytes(digits: &[u8]) -> Option<Vec<u8>> {
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(dump: &str) -> Vec<Statement> {
        let mut r = DumpReader::new(dump.as_bytes());
        let mut out = Vec::new();
        while let Some((_, s)) = r.next_statement(&|_| false).unwrap() {
            out.push(s);
        }
        out
    }

    #[test]
    fn reads_mysqldump_statements() {
        let dump = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump\n\
            /*!40101 SET NAMES utf8mb4 */;\n\
            DROP TABLE IF EXISTS `g5_x`;\n\
            CREATE TABLE `g5_x` (\n  `a` int(11) NOT NULL DEFAULT 0,\n  `b` set('x','y') NOT NULL,\n  \
            `c` decimal(10,2) DEFAULT NULL COMMENT 'it''s (odd)',\n  PRIMARY KEY (`a`),\n  KEY `b` (`b`)\n) ENGINE=InnoDB;\n\
            LOCK TABLES `g5_x` WRITE;\n/*!40000 ALTER TABLE `g5_x` DISABLE KEYS */;\n\
            INSERT INTO `g5_x` VALUES (1,'it\\'s; \\\\ \\n','l''a'),(-2,NULL,''),(3,'한글 -- not a comment',0x414243);\n\
            INSERT INTO `g5_x` (`a`,`b`) VALUES (4,_binary 'z');\n\
            UNLOCK TABLES;\n-- Dump completed on 2025-01-01\n";
        let s = all(dump);
        assert_eq!(s[0], Statement::Other("DROP".into()));
        assert_eq!(
            s[1],
            Statement::CreateTable {
                table: "g5_x".into(),
                columns: vec!["a".into(), "b".into(), "c".into()]
            }
        );
        assert_eq!(s[2], Statement::Other("LOCK".into()));
        let Statement::Insert { rows, .. } = &s[3] else {
            panic!("{:?}", s[3])
        };
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][1], Value::Text("it's; \\ \n".into()));
        assert_eq!(rows[0][2], Value::Text("l'a".into()));
        assert_eq!(rows[1][0].as_i64(), -2);
        assert_eq!(rows[1][1], Value::Null);
        assert_eq!(rows[2][1].as_str(), "한글 -- not a comment");
        assert_eq!(rows[2][2].as_str(), "ABC");
        let Statement::Insert { columns, rows, .. } = &s[4] else {
            panic!()
        };
        assert_eq!(
            columns.as_deref(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(rows[0][1].as_str(), "z");
        assert_eq!(s.len(), 6);
        let mut r = DumpReader::new(dump.as_bytes());
        while r.next_statement(&|_| false).unwrap().is_some() {}
        assert!(r.completed);
    }

    #[test]
    fn a_truncated_dump_is_an_error() {
        let mut r = DumpReader::new("INSERT INTO `t` VALUES (1,'abc".as_bytes());
        assert!(matches!(
            r.next_statement(&|_| false),
            Err(DumpError::Truncated { line: 1 })
        ));
        let mut r = DumpReader::new("INSERT INTO `t` VALUES (1,2)".as_bytes());
        assert!(matches!(
            r.next_statement(&|_| false),
            Err(DumpError::Truncated { .. })
        ));
    }

    #[test]
    fn bad_values_say_where() {
        let mut r = DumpReader::new("SET x=1;\n\nINSERT INTO t VALUES (1,\nfoo);".as_bytes());
        r.next_statement(&|_| false).unwrap();
        let e = r.next_statement(&|_| false).unwrap_err();
        assert!(e.to_string().starts_with("line 4:"), "{e}");
    }
}

//! The GnuBoard5 mysqldump reader (`madang_import::dump::DumpReader`) on arbitrary bytes.
//!
//! Property: it never panics and always ends (with the end of input or an error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use madang_import::dump::{DumpReader, Statement};

fuzz_target!(|data: &[u8]| {
    // The first byte picks which INSERTs are skipped unparsed.
    let Some((&mode, dump)) = data.split_first() else {
        return;
    };
    let mut reader = DumpReader::new(dump);
    let skip = move |table: &str| match mode % 3 {
        0 => false,
        1 => true,
        _ => table.len() % 2 == 0,
    };
    let mut statements = 0usize;
    while let Ok(Some((_line, statement))) = reader.next_statement(&skip) {
        statements += 1;
        assert!(statements <= dump.len() + 1, "the reader does not advance");
        if let Statement::Insert { rows, .. } = statement {
            for value in rows.iter().flatten() {
                let _ = value.as_i64();
                let _ = value.as_str();
            }
        }
    }
    let _ = (reader.completed, reader.invalid_utf8, reader.database);
});

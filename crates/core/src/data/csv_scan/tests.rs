use super::*;

/// (line, fields) of each record.
fn shape(csv: &[u8]) -> Vec<(usize, usize)> {
    let recs = scan_records(csv).unwrap();
    recs.iter().map(|r| (r.line, r.fields)).collect()
}

#[test]
fn counts_lines_through_quoted_newlines() {
    let csv = b"a,b\n1,\"x\ny\"\n\n2,3\r\n4\n";
    assert_eq!(shape(csv), vec![(1, 2), (2, 2), (4, 0), (5, 2), (6, 1)]);
    // Offsets cover the input record by record.
    let recs = scan_records(csv).unwrap();
    assert_eq!(recs[0].start, 0);
    for w in recs.windows(2) {
        assert_eq!(w[0].end, w[1].start);
    }
    assert_eq!(recs.last().unwrap().end, csv.len());
    assert_eq!(&csv[recs[1].start..recs[1].end], b"1,\"x\ny\"\n");
}

#[test]
fn escaped_quotes_and_commas_inside_quotes() {
    let recs = scan_records(b"a,b,c\n\"x,\"\"y\"\"\",2,3").unwrap();
    assert_eq!(
        (recs[1].line, recs[1].fields, recs[1].problem),
        (2, 3, None)
    );
    assert_eq!(shape(b"a\n\"\"\n\r\n"), vec![(1, 1), (2, 1), (3, 0)]);
}

#[test]
fn a_quote_inside_a_bare_field_or_after_a_closing_one_makes_its_record_invalid() {
    let recs = scan_records(b"a,b,c\n1,Gro\"cery,3\n2,\"ok\"x,3\n4,5,6\n").unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[1].problem, Some(Malformed::StrayQuote { field: 2 }));
    assert_eq!(recs[2].problem, Some(Malformed::StrayQuote { field: 2 }));
    assert_eq!((recs[3].line, recs[3].problem), (4, None));
}

#[test]
fn a_quote_that_never_closes_names_where_it_opened() {
    let e = scan_records(b"a,b\n1,2\n3,\"Books,4\n5,6\n").unwrap_err();
    assert_eq!((e.line, e.field, e.character), (3, 2, 3));
    assert!(e.to_string().contains("is never closed"), "{e}");
    // Past the field limit it stops at once, however long the rest is.
    let mut csv = b"a,b\nx,\"open\n".to_vec();
    csv.extend(std::iter::repeat_n(b"1,2\n".as_slice(), 20_000).flatten());
    let e = scan_records(&csv).unwrap_err();
    assert_eq!((e.line, e.field, e.character), (2, 2, 3));
    assert!(
        e.how.starts_with("runs past 65536 bytes, to line 16386"),
        "{e}"
    );
}

#[test]
fn fields_and_records_over_the_limits_are_invalid_with_their_length() {
    let long = "x".repeat(MAX_FIELD_BYTES + 1);
    let csv = format!("a,b\n1,{long}\n2,3\n");
    let recs = scan_records(csv.as_bytes()).unwrap();
    let bytes = MAX_FIELD_BYTES + 1;
    assert_eq!(
        recs[1].problem,
        Some(Malformed::FieldTooLong { field: 2, bytes })
    );
    assert_eq!((recs[2].line, recs[2].problem), (3, None));
    // Twenty fields just under the field limit: the record is over its own.
    let near = "y".repeat(MAX_FIELD_BYTES - 1);
    let row = vec![near.as_str(); 20].join(",");
    let recs = scan_records(format!("a\n{row}\n").as_bytes()).unwrap();
    let Some(Malformed::RecordTooLong { bytes }) = recs[1].problem else {
        panic!("{:?}", recs[1].problem)
    };
    assert_eq!(bytes, row.len() + 1);
}

#[test]
fn feeding_in_pieces_gives_the_records_of_one_feed() {
    let csv = b"a,b,c\n1,\"x\ny\"\"\",3\n\n2,Gro\"c,3\r\n4,5\n\"p\nq\",\xc3\xa9,6\n7,8,9";
    let whole = scan_records(csv).unwrap();
    for piece in 1..=csv.len() {
        let mut s = Scanner::new(1);
        let mut got = Vec::new();
        for chunk in csv.chunks(piece) {
            s.feed(chunk, |r| got.push(r)).unwrap();
        }
        s.finish(|r| got.push(r)).unwrap();
        assert_eq!(got, whole, "pieces of {piece}");
    }
}

#[test]
fn bom_is_stripped() {
    assert_eq!(strip_bom(b"\xef\xbb\xbfa,b"), b"a,b");
    assert_eq!(strip_bom(b"a,b"), b"a,b");
}

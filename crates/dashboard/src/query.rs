//! The live filter's language, in the manner of k9s: words that must each appear in one of
//! the row's cells, and `field:value` terms that must hold for that field, all combined
//! (`sev:crit state:new S0`). A value with spaces is quoted (`cat:"home & garden"`). Every
//! match ignores case and is a substring match, so `sev:crit` finds `CRIT` and `critical`.
//! A term whose field the table lacks keeps no row, and the table says which fields it has.

returnrisk_core::named_enum! {
    /// A field a `field:value` term names.
    pub enum Field {
        /// An alert's or case's severity (`crit`, `warn`, `info`).
        Sev => "sev",
        /// A case's state (`new`, `acknowledged`, ...).
        State => "state",
        /// A seller's id or name.
        Seller => "seller",
        /// A category's name.
        Cat => "cat",
        /// The risk band (`high`, `medium`, `low`).
        Band => "band",
        /// A marketplace's id.
        Market => "market",
        /// An alert's rule.
        Rule => "rule",
        /// An order's status (`returned`, `kept`, `pending`).
        Status => "status",
        /// An order's payment method.
        Pay => "pay",
    }
}

/// A parsed filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Free words (lower case): each must appear in some cell.
    pub words: Vec<String>,
    /// Field terms (value in lower case): each must hold.
    pub terms: Vec<(Field, String)>,
}

impl Query {
    /// Reads a filter line. A `key:` that is not a field is a plain word (a time, a URL).
    pub fn parse(text: &str) -> Query {
        let mut q = Query::default();
        for token in tokens(text) {
            let field = token
                .split_once(':')
                .and_then(|(k, v)| Some((Field::parse(&k.to_lowercase())?, v)));
            match field {
                Some((f, v)) if !v.is_empty() => q.terms.push((f, v.to_lowercase())),
                // `sev:` alone, while typing: no condition yet.
                Some(_) => {}
                None => q.words.push(token.to_lowercase()),
            }
        }
        q
    }

    /// Whether nothing narrows the rows.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.terms.is_empty()
    }

    /// Whether a row with these cells and fields passes: every word in some cell, every
    /// term in some value of its field.
    pub fn matches(&self, cells: &[&str], fields: &[(Field, &str)]) -> bool {
        let has = |haystack: &str, needle: &str| haystack.to_lowercase().contains(needle);
        self.words.iter().all(|w| cells.iter().any(|c| has(c, w)))
            && self
                .terms
                .iter()
                .all(|(f, v)| fields.iter().any(|(g, value)| g == f && has(value, v)))
    }

    /// The terms naming a field not in `fields` (a table without it): why it keeps nothing.
    pub fn foreign(&self, fields: &[Field]) -> Option<String> {
        let (f, _) = self.terms.iter().find(|(f, _)| !fields.contains(f))?;
        let here: Vec<String> = fields.iter().map(|f| format!("{f}:")).collect();
        Some(if here.is_empty() {
            format!("this table has no fields to filter on ({f}:); type words instead")
        } else {
            format!(
                "this table has no {f}: field; its fields are {}",
                here.join(" ")
            )
        })
    }

    /// The terms as chips (`sev crit`), then the words, as the tab row shows them.
    pub fn chips(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|(f, v)| format!("{f} {v}"))
            .chain(self.words.iter().cloned())
            .collect()
    }
}

/// Splits on whitespace, keeping a double-quoted stretch (quotes removed) in one token.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_terms_combine_and_quotes_keep_spaces() {
        let q = Query::parse(r#"SEV:Crit  state:new s0 cat:"home & garden" 10:30 band:"#);
        assert_eq!(
            q.terms,
            vec![
                (Field::Sev, "crit".into()),
                (Field::State, "new".into()),
                (Field::Cat, "home & garden".into())
            ]
        );
        assert_eq!(q.words, vec!["s0".to_string(), "10:30".into()]);
        assert_eq!(q.chips()[0], "sev crit");
    }

    #[test]
    fn every_word_and_every_term_must_hold() {
        let q = Query::parse("sev:crit s02");
        let fields = [(Field::Sev, "CRIT"), (Field::Sev, "critical")];
        assert!(q.matches(&["CRIT", "S023"], &fields));
        assert!(!q.matches(&["CRIT", "S031"], &fields), "a word is missing");
        assert!(!q.matches(&["CRIT", "S023"], &[(Field::Sev, "WARN")]));
        assert!(!q.matches(&["CRIT", "S023"], &[]), "no such field: no row");
        assert!(Query::parse("").matches(&[], &[]));
    }

    #[test]
    fn a_foreign_field_says_which_fields_the_table_has() {
        let q = Query::parse("state:new");
        assert_eq!(q.foreign(&[Field::State]), None);
        assert_eq!(
            q.foreign(&[Field::Seller, Field::Band]).unwrap(),
            "this table has no state: field; its fields are seller: band:"
        );
    }
}

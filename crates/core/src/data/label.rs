//! The label's own words: what one labelled-positive order is called ("return" by default,
//! "bad review" for Olist's proxy), so that every heading, statement and table says what was
//! actually measured. JSON field names stay `return_rate`, `returned`, ... whatever the noun;
//! the dashboard's CSV exports, read by people in spreadsheets, say it ([`LabelNoun::field`]).

use serde::Serialize;

/// The noun of the label, its plural and a short form for narrow column headers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LabelNoun {
    /// One order: `return`, `bad review`.
    pub singular: String,
    /// Several: `returns`, `bad reviews`.
    pub plural: String,
    /// A column header's word: `Ret`, `BR`.
    pub short: String,
}

impl Default for LabelNoun {
    fn default() -> Self {
        LabelNoun::new("return", None)
    }
}

/// The first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl LabelNoun {
    /// From the singular (trimmed, lower case kept as written) and an optional plural (else
    /// the singular with an `s`). The short form is the word's first three letters for one
    /// word (`Ret`), the initials for several (`BR`).
    pub fn new(singular: &str, plural: Option<&str>) -> LabelNoun {
        let singular = singular.trim().to_string();
        let plural = plural.map_or_else(|| format!("{singular}s"), |p| p.trim().to_string());
        let words: Vec<&str> = singular.split_whitespace().collect();
        let short = if words.len() > 1 {
            words
                .iter()
                .filter_map(|w| w.chars().next())
                .flat_map(char::to_uppercase)
                .collect()
        } else {
            capitalised(&singular.chars().take(3).collect::<String>())
        };
        LabelNoun {
            singular,
            plural,
            short,
        }
    }

    /// Whether it is the default noun (`return`).
    pub fn is_return(&self) -> bool {
        self.singular == "return"
    }

    /// The rate in running text: `return rate`, `bad-review rate`.
    pub fn rate(&self) -> String {
        format!("{}-rate", self.singular.replace(' ', "-")).replacen("-rate", " rate", 1)
    }

    /// The rate as a heading: `Return rate`, `Bad-review rate`.
    pub fn rate_title(&self) -> String {
        capitalised(&self.rate())
    }

    /// The plural as a heading: `Returns`, `Bad reviews`.
    pub fn plural_title(&self) -> String {
        capitalised(&self.plural)
    }

    /// A column header with the default noun's words (`Return`, `Ret EB`, `Ret+`, `Exp.ret`,
    /// `Returned`) said with this noun's short form; other headers unchanged.
    pub fn header(&self, header: &'static str) -> std::borrow::Cow<'static, str> {
        if self.is_return() {
            return header.into();
        }
        let s = &self.short;
        match header {
            "Return" => s.clone().into(),
            "Returned" => format!("{s}s").into(),
            "Exp.ret" => format!("Exp.{s}").into(),
            h if h.starts_with("Ret") => format!("{s}{}", &h[3..]).into(),
            h => h.into(),
        }
    }
}

impl LabelNoun {
    /// A snake_case field name with the default noun's words (`return`, `returns`,
    /// `returned`) said with this noun: `return_rate` is `bad_review_rate`,
    /// `excess_returns` `excess_bad_reviews`; other names unchanged.
    pub fn field<'a>(&self, name: &'a str) -> std::borrow::Cow<'a, str> {
        if self.is_return() {
            return name.into();
        }
        let snake = |s: &str| s.split_whitespace().collect::<Vec<_>>().join("_");
        let words: Vec<String> = name
            .split('_')
            .map(|w| match w {
                "return" => snake(&self.singular),
                "returns" | "returned" => snake(&self.plural),
                w => w.to_string(),
            })
            .collect();
        words.join("_").into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_reads_as_before() {
        let n = LabelNoun::default();
        assert_eq!(
            (n.rate_title(), n.plural.as_str(), n.short.as_str()),
            ("Return rate".to_string(), "returns", "Ret")
        );
        assert_eq!(n.header("Ret EB"), "Ret EB");
        assert_eq!(n.field("excess_returns"), "excess_returns");
    }

    #[test]
    fn csv_fields_say_the_noun_in_snake_case() {
        let n = LabelNoun::new("bad review", None);
        let names = [
            "return_rate_shrunk",
            "excess_returns",
            "returned",
            "mean_risk",
        ];
        let got: Vec<_> = names.iter().map(|h| n.field(h)).collect();
        assert_eq!(
            got,
            [
                "bad_review_rate_shrunk",
                "excess_bad_reviews",
                "bad_reviews",
                "mean_risk"
            ]
        );
    }

    #[test]
    fn a_proxy_label_says_its_own_words() {
        let n = LabelNoun::new("bad review", None);
        assert_eq!(n.rate(), "bad-review rate");
        assert_eq!(n.rate_title(), "Bad-review rate");
        assert_eq!(n.plural_title(), "Bad reviews");
        assert_eq!(n.short, "BR");
        let headers = ["Return", "Ret EB", "Ret+", "Exp.ret", "Returned", "Risk"];
        let got: Vec<_> = headers.iter().map(|h| n.header(h)).collect();
        assert_eq!(got, ["BR", "BR EB", "BR+", "Exp.BR", "BRs", "Risk"]);
        let c = LabelNoun::new("chargeback", Some("chargebacks"));
        assert_eq!(
            (c.short.as_str(), c.rate().as_str()),
            ("Cha", "chargeback rate")
        );
    }
}

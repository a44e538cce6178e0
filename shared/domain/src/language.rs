use serde::{Deserialize, Serialize};

/// Display language of a member and of every email they get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Ja,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }
}

impl Language {
    /// The language of a locale such as `ja`, `ja-JP` or `en_US`; none for any other.
    pub fn of_locale(locale: &str) -> Option<Language> {
        match locale.split(['-', '_']).next().map(str::to_ascii_lowercase).as_deref() {
            Some("ja") => Some(Language::Ja),
            Some("en") => Some(Language::En),
            _ => None,
        }
    }
}

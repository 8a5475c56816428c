//! What the filter inputs suggest: field names matching the word at the caret, and the
//! filters applied before (kept in the browser's localStorage, never sent anywhere).

use wirelens_web::protocol::FieldName;

/// Suggestions shown at most.
const MAX_SUGGESTIONS: usize = 12;
/// Filters remembered.
const MAX_HISTORY: usize = 30;
const HISTORY_KEY: &str = "wirelens.filter-history";

/// One suggestion: the text it puts in, and how it reads in the list.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Replaces `[start, end)` (bytes) of the input's text.
    pub insert: String,
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub detail: String,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The byte offset of UTF-16 position `units` in `text`.
pub fn byte_at(text: &str, units: usize) -> usize {
    let mut n = 0;
    for (i, c) in text.char_indices() {
        if n >= units {
            return i;
        }
        n += c.len_utf16();
    }
    text.len()
}

/// The word (a field name being typed) that ends at byte `caret`: its start and end.
pub fn word_at(text: &str, caret: usize) -> (usize, usize) {
    let caret = caret.min(text.len());
    let start = text[..caret]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(caret, |(i, _)| i);
    let end = text[caret..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| caret + i);
    (start, end)
}

/// Field names for the word at `caret`: those that start with it (the shorter names
/// first), then those that contain it. Nothing for a word that is not a name's start
/// (a number) or that is a whole name no other name extends.
pub fn fields_for(text: &str, caret: usize, fields: &[FieldName]) -> Vec<Item> {
    let (start, end) = word_at(text, caret);
    let word = &text[start..caret.min(text.len()).max(start)];
    if word.is_empty() || !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Vec::new();
    }
    let lower = word.to_ascii_lowercase();
    let mut starts: Vec<&FieldName> = fields
        .iter()
        .filter(|f| f.name.starts_with(&lower))
        .collect();
    starts.sort_by_key(|f| (f.name.matches('.').count(), f.name.len(), f.name.as_str()));
    let mut found: Vec<&FieldName> = starts;
    if found.len() < MAX_SUGGESTIONS {
        found.extend(
            fields
                .iter()
                .filter(|f| !f.name.starts_with(&lower) && f.name.contains(&lower)),
        );
    }
    if found.len() == 1 && found[0].name == lower {
        return Vec::new();
    }
    found
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|f| Item {
            insert: f.name.clone(),
            start,
            end,
            label: f.name.clone(),
            detail: format!("{} · {}", f.description, f.ty),
        })
        .collect()
}

/// The remembered filters as suggestions replacing the whole text.
pub fn history_items(text: &str, history: &[String]) -> Vec<Item> {
    history
        .iter()
        .filter(|h| text.is_empty() || h.contains(text))
        .take(MAX_SUGGESTIONS)
        .map(|h| Item {
            insert: h.clone(),
            start: 0,
            end: text.len(),
            label: h.clone(),
            detail: "applied before".into(),
        })
        .collect()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The filters applied before, newest first.
pub fn load_history() -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(HISTORY_KEY).ok().flatten())
        .map(|v| {
            v.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Puts `filter` first in the history and saves it.
pub fn remember(history: &mut Vec<String>, filter: &str) {
    let filter = filter.trim();
    if filter.is_empty() || filter.contains('\n') {
        return;
    }
    history.retain(|h| h != filter);
    history.insert(0, filter.to_owned());
    history.truncate(MAX_HISTORY);
    if let Some(s) = storage() {
        let _ = s.set_item(HISTORY_KEY, &history.join("\n"));
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn f(name: &str) -> FieldName {
        FieldName {
            name: name.into(),
            ty: "FT_UINT16".into(),
            description: String::new(),
        }
    }

    #[test]
    fn words_and_suggestions() {
        assert_eq!(word_at("ip.src == 1 && tcp.po", 21), (15, 21));
        assert_eq!(word_at("tcp.po == 80", 3), (0, 6));
        assert_eq!(byte_at("é == tcp", 5), 6);
        let fields = [f("tcp.port"), f("tcp.srcport"), f("tcp"), f("udp.port")];
        let s = fields_for("tcp.po", 6, &fields);
        assert_eq!(s[0].insert, "tcp.port");
        assert_eq!(s.len(), 1);
        assert!(fields_for("tcp.port", 8, &fields).is_empty());
        assert!(fields_for("frame.len > 1", 13, &fields).is_empty());
        let s = fields_for("port", 4, &fields);
        assert_eq!(s.len(), 3);
    }
}

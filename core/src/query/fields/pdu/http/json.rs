//! JSON as packet-json.c (tshark 4.0) reads an HTTP body: one object or array after
//! another, white space (space, tab, CR, LF) allowed between any two tokens (tvbparse's
//! "ignore"), each value's items put out only once the whole value has parsed; the
//! bytes from the first one that does not parse on go to packet-text-media.c
//! (`data-text-lines`). Checked against tshark 4.0.17 with the bodies of
//! tests/data/servers/http-json.pcap and crafted ones (see the tests).
//!
//! The grammar (RFC 8259 §2–§7, as tvbparse spells it): a top-level value is an object or
//! an array; a number is `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)? with
//! white space allowed between those parts; a string holds any byte but `"` and `\`, or
//! an escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u` and four hex digits).

/// One item packet-json.c adds, in the order of its tree.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item<'a> {
    /// `json.object`.
    Object,
    /// `json.array`.
    Array,
    /// `json.member`: a member's key, where the member starts.
    Member(String),
    /// `json.value.string`.
    String(String),
    /// `json.value.number`: the number as written (white space inside included).
    Number(&'a [u8]),
    /// `json.value.true`.
    True,
    /// `json.value.false`.
    False,
    /// `json.value.null`.
    Null,
    /// `json.key`: the member's key, once its value has parsed.
    Key(String),
    /// `json.path`: the member's path (`/a/[]/b`), after its key.
    Path(String),
    /// Before a value that is neither an object nor an array (when asked for):
    /// `json.path_with_value` and `json.member_with_value` are its path and its key (`[]`
    /// in an array) each with `:` and the value.
    WithValue { path: String, key: String },
    /// The end of the object or array last opened.
    End,
}

/// An item with where it lies: `at..end` of the body (a member from its key to its
/// value's end, a key or string with its quotes; `End` where its container ends).
pub(crate) type Spanned<'a> = (Item<'a>, usize, usize);

/// How deep objects and arrays may nest before a value is taken as not parsing: tvbparse
/// recurses and has no limit, a crafted body does not get one here either, but its items
/// would be millions.
const MAX_DEPTH: usize = 4096;

/// Parses `b` as packet-json.c does, handing each item of every value that parsed to
/// `emit` with where it lies; returns where parsing stopped (`b.len()` when every byte
/// was taken, white space after the last value included). `with_values`: put out
/// [`Item::WithValue`] too (the detail's; the filters' values do not need them).
pub(crate) fn parse<'a>(
    b: &'a [u8],
    with_values: bool,
    mut emit: impl FnMut(Spanned<'a>),
) -> usize {
    let mut at = 0;
    let mut items = Vec::new();
    loop {
        at = skip_ws(b, at);
        if at >= b.len() {
            return b.len();
        }
        items.clear();
        match value(b, at, with_values, &mut items) {
            Some(end) => {
                items.drain(..).for_each(&mut emit);
                at = end;
            }
            None => return at,
        }
    }
}

fn skip_ws(b: &[u8], mut at: usize) -> usize {
    while b
        .get(at)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    {
        at += 1;
    }
    at
}

/// Where the container being read is.
enum Open {
    Object,
    Array,
}

/// One top-level object or array from `at` (white space skipped): its end, or None.
fn value<'a>(
    b: &'a [u8],
    at: usize,
    with_values: bool,
    items: &mut Vec<Spanned<'a>>,
) -> Option<usize> {
    let mut at = skip_ws(b, at);
    if !matches!(b.get(at), Some(b'{' | b'[')) {
        return None;
    }
    // The containers being read, each with where its item is in `items`.
    let mut open: Vec<(Open, usize)> = Vec::new();
    // The members being read, and the path's parts (keys and `[]`).
    let mut keys: Vec<Key> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    // Expecting a value (true) or what follows one (false).
    let mut want_value = true;
    loop {
        if want_value {
            at = skip_ws(b, at);
            match *b.get(at)? {
                c @ (b'{' | b'[') => {
                    if open.len() >= MAX_DEPTH {
                        return None;
                    }
                    let start = at;
                    at = skip_ws(b, at + 1);
                    let close = if c == b'{' { b'}' } else { b']' };
                    if c == b'{' {
                        items.push((Item::Object, start, start));
                        open.push((Open::Object, items.len() - 1));
                    } else {
                        items.push((Item::Array, start, start));
                        open.push((Open::Array, items.len() - 1));
                        path.push("[]".into());
                    }
                    if b.get(at) == Some(&close) {
                        at += 1;
                        close_container(&mut open, &mut path, items, at);
                        want_value = false;
                    } else if c == b'{' {
                        at = member(b, at, items, &mut keys, &mut path)?;
                    }
                    continue;
                }
                b'"' => {
                    let (s, end) = string(b, at)?;
                    if with_values {
                        items.push((with_value(&path, &s), at, end));
                    }
                    items.push((Item::String(s), at, end));
                    at = end;
                }
                b'-' | b'0'..=b'9' => {
                    let end = number(b, at)?;
                    let n = &b[at..end];
                    if with_values {
                        items.push((with_value(&path, &String::from_utf8_lossy(n)), at, end));
                    }
                    items.push((Item::Number(n), at, end));
                    at = end;
                }
                _ => {
                    let (item, word): (Item, &str) = match b[at] {
                        b't' => (Item::True, "true"),
                        b'f' => (Item::False, "false"),
                        b'n' => (Item::Null, "null"),
                        _ => return None,
                    };
                    if !b[at..].starts_with(word.as_bytes()) {
                        return None;
                    }
                    let end = at + word.len();
                    if with_values {
                        items.push((with_value(&path, word), at, end));
                    }
                    items.push((item, at, end));
                    at = end;
                }
            }
            want_value = false;
            continue;
        }
        // After a value: the end of a member, then `,` or the container's end.
        let Some((top, _)) = open.last() else {
            return Some(at);
        };
        let object = matches!(top, Open::Object);
        if object {
            let k = keys.pop()?;
            if let Some(m) = items.get_mut(k.member) {
                m.2 = at;
            }
            let start = items.get(k.member).map_or(at, |m| m.1);
            items.push((Item::Key(k.name), k.at, k.end));
            items.push((Item::Path(format!("/{}", path.join("/"))), start, at));
            path.pop();
        }
        at = skip_ws(b, at);
        match (b.get(at)?, object) {
            (b',', true) => {
                at = member(b, at + 1, items, &mut keys, &mut path)?;
                want_value = true;
            }
            (b',', false) => {
                at += 1;
                want_value = true;
            }
            (b'}', true) | (b']', false) => {
                at += 1;
                close_container(&mut open, &mut path, items, at);
            }
            _ => return None,
        }
    }
}

/// A member being read: its key, the key's extent with its quotes, and where its
/// `Member` item is in the items.
struct Key {
    name: String,
    at: usize,
    end: usize,
    member: usize,
}

/// The `WithValue` item of a value written `value` at `path`.
fn with_value<'a>(path: &[String], value: &str) -> Item<'a> {
    let key = path.last().map_or("", String::as_str);
    Item::WithValue {
        path: format!("/{}:{value}", path.join("/")),
        key: format!("{key}:{value}"),
    }
}

/// Closes the container last opened, which ends at `end`.
fn close_container(
    open: &mut Vec<(Open, usize)>,
    path: &mut Vec<String>,
    items: &mut Vec<Spanned<'_>>,
    end: usize,
) {
    if let Some((kind, i)) = open.pop() {
        if let Some(item) = items.get_mut(i) {
            item.2 = end;
        }
        items.push((Item::End, end, end));
        if matches!(kind, Open::Array) {
            path.pop();
        }
    }
}

/// A member's key and `:` from `at`: where its value starts.
fn member<'a>(
    b: &'a [u8],
    at: usize,
    items: &mut Vec<Spanned<'a>>,
    keys: &mut Vec<Key>,
    path: &mut Vec<String>,
) -> Option<usize> {
    let at = skip_ws(b, at);
    if b.get(at) != Some(&b'"') {
        return None;
    }
    let (key, end) = string(b, at)?;
    let colon = skip_ws(b, end);
    if b.get(colon) != Some(&b':') {
        return None;
    }
    items.push((Item::Member(key.clone()), at, end));
    path.push(key.clone());
    keys.push(Key {
        name: key,
        at,
        end,
        member: items.len() - 1,
    });
    Some(colon + 1)
}

/// The string whose opening quote is at `at`, unescaped as packet-json.c's
/// `json_string_unescape` does, and where it ends (past its closing quote).
fn string(b: &[u8], at: usize) -> Option<(String, usize)> {
    // Its extent first: a backslash must start a valid escape.
    let mut i = at + 1;
    loop {
        match *b.get(i)? {
            b'"' => break,
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' if b.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => i += 6,
                _ => return None,
            },
            _ => i += 1,
        }
    }
    let close = i;
    let raw = &b[at + 1..close];
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut j = 0;
    while j < raw.len() {
        if raw[j] != b'\\' {
            out.push(raw[j]);
            j += 1;
            continue;
        }
        let c = raw[j + 1];
        j += 2;
        match c {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let hex = |k: usize| {
                    raw.get(k..k + 4)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                let Some(mut code) = hex(j) else { break };
                j += 4;
                // tshark 4.0 drops an escape that ends the string (`"caf\u00e9"` shows
                // `caf`).
                if j >= raw.len() {
                    break;
                }
                // A UTF-16 surrogate pair names one character.
                if (0xd800..0xdc00).contains(&code) && raw.get(j..j + 2) == Some(b"\\u") {
                    if let Some(low) = hex(j + 2).filter(|l| (0xdc00..0xe000).contains(l)) {
                        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                        j += 6;
                    }
                }
                // Characters that are not printable are left out (g_unichar_isprint).
                if let Some(ch) = char::from_u32(code).filter(|c| !c.is_control()) {
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            other => out.push(other),
        }
    }
    Some((String::from_utf8_lossy(&out).into_owned(), close + 1))
}

/// The number that starts at `at`: where it ends.
fn number(b: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| {
        let n = b
            .get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        (n > 0).then_some(from + n)
    };
    let mut end = at;
    if b.get(end) == Some(&b'-') {
        end = skip_ws(b, end + 1);
    }
    // `0`, or a digit 1-9 and what digits follow (white space may part them).
    match *b.get(end)? {
        b'0' => end += 1,
        b'1'..=b'9' => {
            end += 1;
            let next = skip_ws(b, end);
            if let Some(e) = digits(next) {
                end = e;
            }
        }
        _ => return None,
    }
    // `.` and digits.
    let dot = skip_ws(b, end);
    if b.get(dot) == Some(&b'.') {
        if let Some(e) = digits(skip_ws(b, dot + 1)) {
            end = e;
        }
    }
    // The exponent.
    let e = skip_ws(b, end);
    if matches!(b.get(e), Some(b'e' | b'E')) {
        let mut k = skip_ws(b, e + 1);
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k = skip_ws(b, k + 1);
        }
        if let Some(e) = digits(k) {
            end = e;
        }
    }
    Some(end)
}

#[cfg(test)]
mod test {
    use super::*;

    fn items(b: &[u8]) -> (Vec<Item<'_>>, usize) {
        let mut v = Vec::new();
        let end = parse(b, false, |(i, _, _)| {
            if i != Item::End {
                v.push(i)
            }
        });
        (v, end)
    }

    fn strings(b: &[u8]) -> Vec<String> {
        items(b)
            .0
            .into_iter()
            .filter_map(|i| match i {
                Item::String(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// The items of tests/data/servers/http-json.pcap's first body, in tshark's order:
    /// members where they start, keys and paths where they end.
    #[test]
    fn items_in_tree_order() {
        let b = br#"{"user": "ann", "tags": ["a", 2], "n": {"e": {}, "l": [], "t": true}, "z": null, "f": false}"#;
        let (v, end) = items(b);
        assert_eq!(end, b.len());
        use Item::*;
        let s = |x: &str| x.to_owned();
        assert_eq!(
            v,
            vec![
                Object,
                Member(s("user")),
                String(s("ann")),
                Key(s("user")),
                Path(s("/user")),
                Member(s("tags")),
                Array,
                String(s("a")),
                Number(b"2"),
                Key(s("tags")),
                Path(s("/tags")),
                Member(s("n")),
                Object,
                Member(s("e")),
                Object,
                Key(s("e")),
                Path(s("/n/e")),
                Member(s("l")),
                Array,
                Key(s("l")),
                Path(s("/n/l")),
                Member(s("t")),
                True,
                Key(s("t")),
                Path(s("/n/t")),
                Key(s("n")),
                Path(s("/n")),
                Member(s("z")),
                Null,
                Key(s("z")),
                Path(s("/z")),
                Member(s("f")),
                False,
                Key(s("f")),
                Path(s("/f")),
            ]
        );
        let (v, _) = items(br#"[{"a": 1}, [2]]"#);
        assert!(v.contains(&Path("/[]/a".into())), "{v:?}");
        let (v, _) = items(br#"{"d": ["x", {"e": 1}]}"#);
        assert!(v.contains(&Path("/d/[]/e".into())), "{v:?}");
    }

    /// What tshark 4.0.17 did with each (the bodies of crafted HTTP responses).
    #[test]
    fn what_parses_as_tshark_parses_it() {
        // Values one after another; trailing white space is taken, anything else is not.
        let ndjson = b"{\"a\": 1}\n{\"b\": [true]}\n";
        assert_eq!(items(ndjson).1, ndjson.len());
        let b = br#"{"a":1} {"b":2} xx"#;
        assert_eq!(items(b).1, b.len() - 2);
        assert_eq!(items(b"{\"a\":1}   ").1, 10);
        // A value that does not parse has no items, nor do those after it.
        for bad in [
            &br#"{"a":1,}"#[..],
            br#"{"a":[1,2,]}"#,
            br#"{"a":"\x"}"#,
            br#"{"h": 01}"#,
            br#""top" 12 true"#,
            b"12 [1]",
            b"this is not {json",
            br#"{"a": tru}"#,
        ] {
            assert_eq!(items(bad), (vec![], 0), "{}", String::from_utf8_lossy(bad));
        }
        // White space may part a number.
        let (v, _) = items(br#"{"a" : - 1 , "b": 1 . 5, "c" : [ ]}"#);
        assert!(v.contains(&Item::Number(b"- 1")) && v.contains(&Item::Number(b"1 . 5")));
        assert!(items(br#"[1e5, -0, 4.25E-3]"#)
            .0
            .contains(&Item::Number(b"4.25E-3")));
    }

    #[test]
    fn strings_unescaped_as_tshark_does() {
        assert_eq!(
            strings(br#"["say \"hi\"", "a\\b", "a\/b\bc", "tab	here", "x\ny"]"#),
            ["say \"hi\"", "a\\b", "a/b\x08c", "tab\there", "x\ny"]
        );
        // \u: printable characters as UTF-8, a surrogate pair as one; others left out,
        // and one that ends the string dropped.
        assert_eq!(
            strings(br#"["x\u00e9y", "p\u0041q", "m\u0001n", "e\u20acz", "s\ud83d\ude00t"]"#),
            ["xéy", "pAq", "mn", "e€z", "s😀t"]
        );
        assert_eq!(
            strings(br#"["caf\u0041", "\u00e9", "q\u00e9\u00e9"]"#),
            ["caf", "", "qé"]
        );
    }

    #[test]
    fn hostile_bodies_are_bounded() {
        let deep = [vec![b'['; 100_000], vec![b']'; 100_000]].concat();
        assert_eq!(items(&deep), (vec![], 0));
        let ok = [vec![b'['; 1000], vec![b']'; 1000]].concat();
        assert_eq!(items(&ok).0.len(), 1000);
        for cut in 0..30 {
            let b = &br#"{"a": [1, "two", {"b": null}], "c": 1.5e3}"#[..cut];
            assert_eq!(items(b).0, vec![], "{cut}");
        }
    }
}

//! Checks a `pmagg search` query against the FTS5 query grammar before SQLite sees it, so a
//! malformed one is explained in words (with an example) instead of as an SQL error.
//!
//! Covers what people get wrong: an unclosed `"`, unbalanced parentheses, and an operator
//! (`AND`, `OR`, `NOT`) with nothing on one side. Anything this lets through that SQLite still
//! refuses is reported as [`StoreError::Search`] with SQLite's own words.

use super::StoreError;

/// One piece of a query, as FTS5 reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// A word, `prefix*`, `column:word` or a `"phrase"`.
    Term,
    /// `AND`, `OR` or `NOT` (FTS5 operators are case-sensitive).
    Operator(&'static str),
    Open,
    Close,
}

/// `Ok(())` when `query` is well formed; else what is wrong, in words, with an example.
pub(crate) fn check_search_query(query: &str) -> Result<(), StoreError> {
    let problem = |what: String| StoreError::Search { query: query.to_owned(), problem: what };
    let tokens = tokenize(query).map_err(problem)?;
    if tokens.is_empty() {
        return Err(problem("the query is empty; e.g. `pmagg search dns`".into()));
    }
    let mut depth = 0usize;
    let mut previous: Option<Token> = None;
    for token in &tokens {
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                if depth == 0 {
                    return Err(problem(
                        "a `)` closes nothing; e.g. `pmagg search '(dns OR bgp) AND outage'`"
                            .into(),
                    ));
                }
                if matches!(previous, Some(Token::Open | Token::Operator(_))) {
                    return Err(problem(
                        "a group `( )` needs a word inside; e.g. `pmagg search '(dns OR bgp)'`"
                            .into(),
                    ));
                }
                depth -= 1;
            }
            Token::Operator(op) => {
                if matches!(previous, None | Some(Token::Open | Token::Operator(_))) {
                    return Err(problem(format!(
                        "{op} needs a word or \"phrase\" before it; e.g. \
                         `pmagg search 'dns {op} outage'`"
                    )));
                }
            }
            Token::Term => {}
        }
        previous = Some(*token);
    }
    if let Some(Token::Operator(op)) = previous {
        return Err(problem(format!(
            "{op} needs a word or \"phrase\" after it; e.g. `pmagg search '\"root cause\" {op} dns'`"
        )));
    }
    if depth > 0 {
        return Err(problem(
            "a `(` is never closed; e.g. `pmagg search '(dns OR bgp) AND outage'`".into(),
        ));
    }
    Ok(())
}

fn tokenize(query: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = query.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '"' => {
                // A phrase; `""` inside it is an escaped quote.
                loop {
                    match chars.next() {
                        None => {
                            return Err(format!(
                                "the phrase that starts at character {} has no closing `\"`; \
                                 e.g. `pmagg search '\"root cause\"'`",
                                query[..start].chars().count() + 1
                            ));
                        }
                        Some((_, '"')) if chars.peek().is_some_and(|&(_, c)| c == '"') => {
                            chars.next();
                        }
                        Some((_, '"')) => break,
                        Some(_) => {}
                    }
                }
                // `"phrase"*` is a prefix phrase.
                if chars.peek().is_some_and(|&(_, c)| c == '*') {
                    chars.next();
                }
                tokens.push(Token::Term);
            }
            _ => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '"') {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                tokens.push(match &query[start..end] {
                    "AND" => Token::Operator("AND"),
                    "OR" => Token::Operator("OR"),
                    "NOT" => Token::Operator("NOT"),
                    _ => Token::Term,
                });
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(query: &str) -> String {
        match check_search_query(query) {
            Err(StoreError::Search { problem, .. }) => problem,
            other => panic!("{query:?}: {other:?}"),
        }
    }

    #[test]
    fn well_formed_queries_pass() {
        for query in [
            "dns",
            "\"root cause\" AND bgp",
            "(dns OR bgp) NOT test",
            "certif*",
            "\"say \"\"hi\"\"\"",
            "and or not",
            "title:outage",
        ] {
            check_search_query(query).unwrap();
        }
    }

    #[test]
    fn malformed_queries_are_explained_with_an_example() {
        let dangling = problem("\"root cause\" AND");
        assert!(dangling.starts_with("AND needs a word or \"phrase\" after it"), "{dangling}");
        assert!(dangling.contains("pmagg search"), "{dangling}");
        assert!(problem("OR dns").starts_with("OR needs a word"));
        assert!(problem("dns AND NOT bgp").starts_with("NOT needs a word"));
        assert!(problem("\"root cause").contains("no closing"));
        assert!(problem("(dns").contains("never closed"));
        assert!(problem("dns)").contains("closes nothing"));
        assert!(problem("  ").contains("empty"));
    }
}

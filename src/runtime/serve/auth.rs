//! `--token-file`: the bearer token requests must carry.
//!
//! Only the token's blake3 hash is kept, and a presented token is compared by hash:
//! blake3's `Hash` compares in constant time, and hashing first also hides the token's
//! length, so the time a refusal takes tells nothing about the token. A [`Token`] never
//! prints its value (its `Debug` says `Token(..)`), so it cannot reach a log.

use axum::http::{HeaderMap, header};

/// A bearer token to check requests against.
#[derive(Clone)]
pub struct Token {
    hash: blake3::Hash,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// Why a token file cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum TokenError {
    /// The file cannot be read.
    Read(std::io::Error),
    /// It holds no token (only white space), or more than one line.
    Malformed(&'static str),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Read(error) => write!(f, "cannot read the token file: {error}"),
            TokenError::Malformed(why) => write!(f, "the token file {why}"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TokenError::Read(error) => Some(error),
            TokenError::Malformed(_) => None,
        }
    }
}

impl Token {
    /// The token in `text` (a token file's content), trimmed.
    pub fn parse(text: &str) -> Result<Token, TokenError> {
        let token = text.trim();
        if token.is_empty() {
            return Err(TokenError::Malformed("is empty"));
        }
        if token.contains(['\n', '\r']) {
            return Err(TokenError::Malformed("holds more than one line"));
        }
        Ok(Token {
            hash: blake3::hash(token.as_bytes()),
        })
    }

    /// Reads a token file.
    pub fn from_file(path: &std::path::Path) -> Result<Token, TokenError> {
        Token::parse(&std::fs::read_to_string(path).map_err(TokenError::Read)?)
    }

    /// Whether `headers` carry `Authorization: Bearer <this token>`.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(presented) = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
        else {
            return false;
        };
        blake3::hash(presented.trim().as_bytes()) == self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, authorization.parse().unwrap());
        headers
    }

    #[test]
    fn admits_only_the_bearer_token() {
        let token = Token::parse("  s3cret-token\n").unwrap();
        assert!(token.admits(&headers("Bearer s3cret-token")));
        assert!(!token.admits(&headers("Bearer s3cret-tokeN")));
        assert!(!token.admits(&headers("Bearer s3cret")));
        assert!(!token.admits(&headers("Basic s3cret-token")));
        assert!(!token.admits(&HeaderMap::new()));
        assert!(!format!("{token:?}").contains("s3cret"));
        assert!(Token::parse(" \n").is_err());
        assert!(Token::parse("a\nb").is_err());
    }
}

//! Passwords and device tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// The argon2id PHC string of `password`, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source");
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// A hash no password matches in practice, made with the same cost as a user's: a sign-in for
/// an unknown e-mail is checked against it, so it takes as long as one for a known e-mail and
/// the answer's timing does not tell which e-mails have an account.
pub fn dummy_hash() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the OS random source");
        hash_password(&URL_SAFE_NO_PAD.encode(secret)).expect("argon2 hashes a password")
    });
    &DUMMY
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A new device token: 256 random bits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source");
    format!("spt_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What the server stores of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Failed sign-ins, counted per account (e-mail) and per client address over a window: past
/// the bound, sign-in is refused (`rate_limited`, with the seconds to wait) without checking the
/// password, so guessing costs the guesser time and the server nothing.
///
/// An attempt counts from the moment it starts (so parallel guesses cannot all slip in before the
/// first failure is recorded); a right password clears the account's count and gives the
/// address its attempt back.
pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    attempts: Mutex<HashMap<ThrottleKey, Attempts>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ThrottleKey {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Attempts {
    since: Instant,
    count: u32,
}

/// Past this many tracked keys, expired ones are dropped (a flood of made-up e-mails).
const THROTTLE_PRUNE_AT: usize = 10_000;

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account,
            per_address,
            window,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt for `email` from `address`, or says how long to wait.
    pub fn begin(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if attempts.len() > THROTTLE_PRUNE_AT {
            attempts.retain(|_, a| now.duration_since(a.since) < self.window);
        }
        let keys = self.keys(email, address);
        let mut wait = Duration::ZERO;
        for (key, bound) in &keys {
            if let Some(a) = attempts.get(key) {
                let elapsed = now.duration_since(a.since);
                if elapsed < self.window && a.count >= *bound {
                    wait = wait.max(self.window - elapsed);
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in keys {
            let entry = attempts.entry(key).or_insert(Attempts {
                since: now,
                count: 0,
            });
            if now.duration_since(entry.since) >= self.window {
                *entry = Attempts {
                    since: now,
                    count: 0,
                };
            }
            entry.count += 1;
        }
        Ok(())
    }

    /// The attempt begun for `email` from `address` was right.
    pub fn succeeded(&self, email: &str, address: Option<IpAddr>) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.remove(&ThrottleKey::Account(normal_email(email)));
        if let Some(a) =
            address.and_then(|a| attempts.get_mut(&ThrottleKey::Address(network_of(a))))
        {
            a.count = a.count.saturating_sub(1);
        }
    }

    fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<(ThrottleKey, u32)> {
        let mut keys = vec![(ThrottleKey::Account(normal_email(email)), self.per_account)];
        if let Some(address) = address {
            keys.push((ThrottleKey::Address(network_of(address)), self.per_address));
        }
        keys
    }
}

fn normal_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The network a client address stands for: an IPv4 address itself, an IPv6 address its /64
/// (one subscriber gets a whole /64, so counting single addresses would not slow anyone).
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(bits))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_has_a_users_cost_and_matches_nothing() {
        let user = hash_password("x").unwrap();
        let params = |phc: &str| phc.split('$').nth(3).unwrap().to_owned();
        assert_eq!(params(dummy_hash()), params(&user));
        assert!(!verify_password("", dummy_hash()));
    }

    #[test]
    fn sign_ins_are_throttled_per_account_and_per_network() {
        let throttle = LoginThrottle::new(3, 5, Duration::from_secs(900));
        let home: IpAddr = "2001:db8:1:2::10".parse().unwrap();
        let same_net: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        for _ in 0..3 {
            assert!(throttle.begin("Alice@example.fr ", Some(home)).is_ok());
        }
        let wait = throttle.begin("alice@example.fr", None).unwrap_err();
        assert!(wait > Duration::from_secs(800) && wait <= Duration::from_secs(900));
        // Another account from the same /64: two more attempts, then the network is refused.
        assert!(throttle.begin("bob@example.fr", Some(same_net)).is_ok());
        assert!(throttle.begin("bob@example.fr", Some(same_net)).is_ok());
        assert!(throttle.begin("carol@example.fr", Some(home)).is_err());
        // A right password gives the network an attempt back and clears the account.
        throttle.succeeded("bob@example.fr", Some(same_net));
        assert!(throttle.begin("bob@example.fr", Some(same_net)).is_ok());
        let elsewhere: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(throttle.begin("carol@example.fr", Some(elsewhere)).is_ok());
        assert!(throttle.begin("alice@example.fr", Some(elsewhere)).is_err());
    }

    #[test]
    fn tokens_differ_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash(&a).len(), 64);
    }
}

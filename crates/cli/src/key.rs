//! The profile's database key for the CLI: `SAMTALE_DB_KEY` (hex) or a 0600 key file.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

pub const KEY_FILE: &str = "db.key";

fn parse_hex(text: &str) -> Result<Zeroizing<[u8; 32]>> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        bail!("a database key is 64 hexadecimal characters");
    }
    let mut key = Zeroizing::new([0u8; 32]);
    for (i, slot) in key.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
            .context("a database key is 64 hexadecimal characters")?;
    }
    Ok(key)
}

pub fn load_or_create(profile: &Path) -> Result<Zeroizing<[u8; 32]>> {
    if let Ok(hex) = std::env::var("SAMTALE_DB_KEY") {
        return parse_hex(&hex).context("SAMTALE_DB_KEY");
    }
    let path = profile.join(KEY_FILE);
    if path.exists() {
        let text = Zeroizing::new(
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
        return parse_hex(&text)
            .with_context(|| format!("the key file {} is damaged", path.display()));
    }
    std::fs::create_dir_all(profile)
        .with_context(|| format!("cannot create the profile directory {}", profile.display()))?;
    let key = samtale_client::new_db_key();
    let hex = Zeroizing::new(key.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(hex.as_bytes())?;
    Ok(key)
}

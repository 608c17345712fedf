//! The one `reqwest::Client` of the process.

use std::time::Duration;

use reqwest::redirect;

use crate::config::Settings;

/// Connecting may take at most this long, whatever the total timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an unused connection stays open (see the builder).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds the client: user agent, connect and total timeouts, gzip/brotli/deflate, a redirect
/// policy that stays on http(s), and rustls with the `ring` provider.
pub(crate) fn build_client(settings: &Settings) -> Result<reqwest::Client, reqwest::Error> {
    // reqwest is built without a bundled crypto provider (see Cargo.toml); install ring as the
    // process default. An error only means another provider was installed first, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();

    // `settings.max_redirects` (RFC 9110 leaves the number to the client). A loop is caught by
    // the same count: it would only come back to a URL already seen.
    let max_redirects = settings.max_redirects;
    let policy = redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max_redirects {
            attempt.error(format!("more than {max_redirects} redirects (max_redirects)"))
        } else if !matches!(attempt.url().scheme(), "http" | "https") {
            let scheme = attempt.url().scheme().to_owned();
            attempt.error(format!("redirect to a {scheme}: URL refused"))
        } else {
            attempt.follow()
        }
    });

    #[allow(clippy::disallowed_methods, reason = "this is the one place the client is built")]
    reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .connect_timeout(CONNECT_TIMEOUT.min(settings.timeout))
        .timeout(settings.timeout)
        .redirect(policy)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .https_only(false)
        // Kept-alive connections serve the sources of one host within a pass. Between passes
        // (minutes or hours) they would only hold their buffers: after a 1000-source pass
        // the idle daemon's connections held most of its 60-80 MB.
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build()
}

//! `procc serve BUNDLE`: the session protocol over HTTP, sessions persisted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use procc::runtime::serve::log::{self, Level};
use procc::runtime::serve::pg_store::DEFAULT_POOL_SIZE;
use procc::runtime::serve::{
    ConnectionLimits, DEFAULT_BODY_LIMIT, PgStore, RedbStore, RouteOptions, SealingKey, ServeError,
    Server, ServerOptions, SessionStore, StoreError, Token, hex, serve, shutdown_signal,
};
use procc::runtime::{EnvSecrets, EventLog, HttpClient};

use super::run::load_module;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Options of `procc serve`.
#[derive(clap::Args, Debug)]
pub(super) struct ServeArgs {
    /// A `.procb` bundle, or `.proc` files and directories to compile first.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Where conversations are kept: a directory (the embedded store), or a PostgreSQL
    /// URL `postgres://USER@HOST:PORT/DB` shared by several `procc serve` processes.
    #[arg(long, default_value = "./procc-data")]
    store: String,
    /// With a PostgreSQL store: the most database connections this process opens.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_POOL_SIZE)]
    store_connections: usize,
    /// Write analytics events as JSON lines to this file.
    #[arg(long)]
    events: Option<PathBuf>,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Require `Authorization: Bearer TOKEN` (this file's content, trimmed) on every
    /// request but `GET /v1/health`.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// End conversations with no input for this long (e.g. `30m`), as `end` does.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    idle_timeout: Option<Duration>,
    /// Close a connection whose request head (or body) does not arrive within this time.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    read_timeout: Duration,
    /// Serve at most this many connections at once (more wait to be accepted).
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// On SIGTERM, wait at most this long for requests in progress.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    shutdown_timeout: Duration,
    /// Seal stored conversations with the key in this file (64 hexadecimal digits, e.g.
    /// from `openssl rand -hex 32`), kept apart from the store; without it, the store's
    /// own key (a `store.key` file beside the embedded store, a key row in PostgreSQL).
    #[arg(long, value_name = "FILE")]
    store_key: Option<PathBuf>,
    /// Refuse the bundle unless this public key signed it (repeatable).
    #[arg(long, value_name = "PUB")]
    trust: Vec<PathBuf>,
}

/// A duration: a whole number followed by `ms`, `s`, `m`, `h` or `d` (`500ms`, `30m`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 500ms, 10s, 30m or 2h"))?;
    let millis = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("`{text}`: the unit must be ms, s, m, h or d")),
    };
    number
        .checked_mul(millis)
        .filter(|&n| n > 0)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`{text}` must be above zero and in range"))
}

/// Whether `--store` names a PostgreSQL database rather than a directory.
fn is_postgres_url(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// Opens the store `--store` names.
async fn open_store(args: &ServeArgs) -> Result<Arc<dyn SessionStore>, StoreError> {
    if is_postgres_url(&args.store) {
        Ok(Arc::new(
            PgStore::connect(&args.store, args.store_connections).await?,
        ))
    } else {
        Ok(Arc::new(RedbStore::open(&PathBuf::from(&args.store))?))
    }
}

/// The store as shown in the log: a URL without its password.
fn store_label(store: &str) -> String {
    let Some((scheme, rest)) = store.split_once("://").filter(|_| is_postgres_url(store)) else {
        return store.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => store.to_owned(),
    }
}

/// Reports why serve cannot start; a closed or full stderr loses the message, not the
/// exit code (`eprintln!` would panic).
fn start_error(message: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
}

/// Serves until SIGTERM or ctrl-c.
pub(super) fn run(args: &ServeArgs) -> u8 {
    let token = match args.token_file.as_deref().map(Token::from_file).transpose() {
        Ok(token) => token,
        Err(error) => {
            start_error(format_args!("{error}"));
            return EXIT_USAGE;
        }
    };
    let module = match load_module(&args.paths, &args.trust) {
        Ok(module) => module,
        Err(code) => return code,
    };
    let bundle = procc::bundle::encode(module.module());
    let events = match args.events.as_deref().map(EventLog::create).transpose() {
        Ok(events) => events.map(Arc::new),
        Err(error) => {
            start_error(format_args!("cannot write the events log: {error}"));
            return EXIT_USAGE;
        }
    };
    let http = match HttpClient::new() {
        Ok(http) => http,
        Err(error) => {
            start_error(format_args!("{error}"));
            return EXIT_FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(log::on_worker_idle)
        .on_thread_stop(log::on_worker_stop)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            start_error(format_args!("cannot start the runtime: {error}"));
            return EXIT_FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let store = match open_store(args).await {
            Ok(store) => store,
            Err(error) => {
                start_error(format_args!("{error}"));
                return EXIT_USAGE;
            }
        };
        let key = match args
            .store_key
            .as_deref()
            .map(|path| SealingKey::from_file(path, false))
        {
            None => None,
            Some(Ok(key)) => Some(key),
            Some(Err(error)) => {
                start_error(format_args!("{error}"));
                return EXIT_USAGE;
            }
        };
        let server = match Server::new(ServerOptions {
            bundle,
            store,
            key,
            http,
            secrets: EnvSecrets::from_env(),
            events,
            idle_timeout: args.idle_timeout,
        })
        .await
        {
            Ok(server) => Arc::new(server),
            // The store refused (unreachable, a newer schema): a usage problem.
            Err(error @ ServeError::Store(_)) => {
                start_error(format_args!("{error}"));
                return EXIT_USAGE;
            }
            Err(error) => {
                start_error(format_args!("{error}"));
                return EXIT_FAILURE;
            }
        };
        let listener = match tokio::net::TcpListener::bind(args.addr).await {
            Ok(listener) => listener,
            Err(error) => {
                start_error(format_args!("cannot listen on {}: {error}", args.addr));
                return EXIT_USAGE;
            }
        };
        let addr = listener.local_addr().unwrap_or(args.addr);
        log::message(
            Level::Info,
            format!(
                "listening on http://{addr} (bundle {}, store {})",
                hex(&server.bundle_hash()),
                store_label(&args.store)
            ),
        );
        let routes = RouteOptions {
            body_limit: args.body_limit,
            read_timeout: args.read_timeout,
            token,
        };
        let limits = ConnectionLimits {
            max_connections: args.max_connections,
            read_timeout: args.read_timeout,
            shutdown_timeout: args.shutdown_timeout,
        };
        match serve(listener, server, routes, limits, shutdown_signal()).await {
            Ok(()) => EXIT_OK,
            Err(error) => {
                log::message(Level::Error, error.to_string());
                EXIT_FAILURE
            }
        }
    });
    // Tasks cut at the shutdown deadline are dropped with the runtime; then every
    // Arc<Server> is gone and the embedded store's writer has drained its queue.
    drop(runtime);
    log::message(Level::Info, "stopped");
    code
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "",
            "10",
            "m",
            "1.5s",
            "-1s",
            "0s",
            "0ms",
            "10x",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

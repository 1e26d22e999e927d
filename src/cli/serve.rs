//! `procc serve BUNDLE`: the session protocol over HTTP, sessions persisted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use procc::runtime::serve::pg_store::DEFAULT_POOL_SIZE;
use procc::runtime::serve::{
    DEFAULT_BODY_LIMIT, PgStore, RedbStore, ServeError, Server, ServerOptions, SessionStore,
    StoreError, hex, serve, shutdown_signal,
};
use procc::runtime::{EnvSecrets, EventLog, HttpClient};

use super::run::load_module;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Options of `procc serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
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
    #[arg(long, default_value_t = DEFAULT_POOL_SIZE)]
    store_connections: usize,
    /// Write analytics events as JSON lines to this file.
    #[arg(long)]
    events: Option<PathBuf>,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
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

/// Serves until SIGTERM or ctrl-c.
pub fn run(args: &ServeArgs) -> u8 {
    let module = match load_module(&args.paths) {
        Ok(module) => module,
        Err(code) => return code,
    };
    let bundle = procc::bundle::encode(&module);
    let events = match args.events.as_deref().map(EventLog::create).transpose() {
        Ok(events) => events.map(Arc::new),
        Err(error) => {
            eprintln!("error: cannot write the events log: {error}");
            return EXIT_USAGE;
        }
    };
    let http = match HttpClient::new() {
        Ok(http) => http,
        Err(error) => {
            eprintln!("error: {error}");
            return EXIT_FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return EXIT_FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let store = match open_store(args).await {
            Ok(store) => store,
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_USAGE;
            }
        };
        let server = match Server::new(ServerOptions {
            bundle,
            store,
            http,
            secrets: EnvSecrets::from_env(),
            events,
        })
        .await
        {
            Ok(server) => Arc::new(server),
            Err(error @ ServeError::Store(_)) => {
                eprintln!("error: {error}");
                return EXIT_USAGE;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_FAILURE;
            }
        };
        let listener = match tokio::net::TcpListener::bind(args.addr).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("error: cannot listen on {}: {error}", args.addr);
                return EXIT_USAGE;
            }
        };
        let addr = listener.local_addr().unwrap_or(args.addr);
        eprintln!(
            "procc serve: listening on http://{addr} (bundle {}, store {})",
            hex(&server.bundle_hash()),
            store_label(&args.store)
        );
        match serve(listener, server, args.body_limit, shutdown_signal()).await {
            Ok(()) => EXIT_OK,
            Err(error) => {
                eprintln!("error: {error}");
                EXIT_FAILURE
            }
        }
    });
    // The last Arc<Server> went with `serve`: the embedded store's writer has drained.
    drop(runtime);
    eprintln!("procc serve: stopped");
    code
}

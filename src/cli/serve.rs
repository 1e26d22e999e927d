//! `procc serve BUNDLE`: the session protocol over HTTP, sessions persisted.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use procc::runtime::serve::{
    DEFAULT_BODY_LIMIT, RedbStore, Server, ServerOptions, hex, serve, shutdown_signal,
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
    /// The directory of the durable session store.
    #[arg(long, default_value = "./procc-data")]
    store: PathBuf,
    /// Write analytics events as JSON lines to this file.
    #[arg(long)]
    events: Option<PathBuf>,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Refuse the bundle unless this public key signed it (repeatable).
    #[arg(long, value_name = "PUB")]
    trust: Vec<PathBuf>,
}

/// Serves until SIGTERM or ctrl-c.
pub fn run(args: &ServeArgs) -> u8 {
    let module = match load_module(&args.paths, &args.trust) {
        Ok(module) => module,
        Err(code) => return code,
    };
    let bundle = procc::bundle::encode(&module);
    let store = match RedbStore::open(&args.store) {
        Ok(store) => Arc::new(store),
        Err(error) => {
            eprintln!("error: {error}");
            return EXIT_USAGE;
        }
    };
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
    let (server, writer) = match Server::new(ServerOptions {
        bundle,
        store,
        http,
        secrets: EnvSecrets::from_env(),
        events,
    }) {
        Ok(started) => started,
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
    let server = Arc::new(server);
    let code = runtime.block_on(async {
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
            args.store.display()
        );
        match serve(listener, server, args.body_limit, shutdown_signal()).await {
            Ok(()) => EXIT_OK,
            Err(error) => {
                eprintln!("error: {error}");
                EXIT_FAILURE
            }
        }
    });
    // Every Arc<Server> is gone with the server: the writer drains its queue and stops.
    drop(runtime);
    let _ = writer.join();
    eprintln!("procc serve: stopped");
    code
}

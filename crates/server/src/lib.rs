//! `serve`: the engine over HTTP for the systems around the risk team, from the same engine
//! as the dashboard, with the same numbers. axum on tokio; the engine is shared read-only
//! ([`state::ServerState`]); data and models load in the background after the socket is
//! bound (`/ready` says 503 with the reason until then).
//!
//! Safe by default: loopback unless told otherwise; any other address needs a bearer token
//! (from a file or `RETURNRISK_TOKEN`, compared in constant time, never logged) or an explicit
//! `--no-auth`; body, batch, time and concurrency limits; every client error a JSON 4xx.

pub mod auth;
pub mod cases;
pub mod error;
pub mod listen;
pub mod metrics;
pub mod openapi;
pub mod outlook;
pub mod parse_errors;
pub mod pool;
pub mod predict;
pub mod reload;
pub mod routes;
pub mod spec;
pub mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use error::ApiError;
use returnrisk_core::engine::{Engine, Prepared};
use returnrisk_core::model::store::{Lifecycle, load_or_train};
use returnrisk_setup::open::DataSettings;
use state::{Served, ServerState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body.
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// API requests handled at once; more wait (within their timeout).
pub const MAX_CONCURRENT: usize = 512;
/// How long shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The longest `--timeout` (an hour): a request is an answer for a person or a program waiting.
pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;
/// The most `--max-batch` and `--max-explain-batch` may allow (a body is at most
/// [`MAX_BODY`] bytes, about 40,000 orders, anyway).
pub const MAX_BATCH_LIMIT: usize = 100_000;
/// The environment variable holding the bearer token.
pub const TOKEN_ENV: &str = "RETURNRISK_TOKEN";

type Route = (&'static str, axum::routing::MethodRouter<Arc<ServerState>>);

/// The routes that need the token (when one is set).
fn guarded_routes() -> Vec<Route> {
    vec![
        ("/api/v1/marketplace", get(routes::overview)),
        ("/api/v1/sellers", get(routes::sellers)),
        ("/api/v1/sellers/{id}", get(routes::seller)),
        ("/api/v1/sellers/{id}/orders", get(routes::seller_orders)),
        ("/api/v1/categories/{name}", get(routes::category)),
        ("/api/v1/alerts", get(routes::alerts)),
        ("/api/v1/drift", get(routes::drift)),
        ("/api/v1/models", get(routes::models)),
        ("/api/v1/runs", get(routes::runs)),
        ("/api/v1/forecast", get(outlook::forecast)),
        ("/api/v1/brief", get(outlook::brief)),
        ("/api/v1/predict", post(predict::predict)),
        ("/api/v1/cases", get(cases::list)),
        ("/api/v1/cases/{id}", get(cases::show)),
        ("/api/v1/cases/{id}/{action}", post(cases::change)),
        ("/metrics", get(metrics::metrics)),
    ]
}

/// The routes open to anyone.
fn open_routes() -> Vec<Route> {
    vec![
        ("/health", get(health)),
        ("/ready", get(ready)),
        ("/openapi.json", get(openapi::openapi_json)),
    ]
}

/// The paths that need the bearer token when one is set (`/openapi.json` says so).
pub fn guarded_paths() -> Vec<&'static str> {
    guarded_routes().into_iter().map(|(p, _)| p).collect()
}

/// Every route's path (the test that `/openapi.json` lists them all reads this).
pub fn route_paths() -> Vec<&'static str> {
    guarded_routes()
        .into_iter()
        .chain(open_routes())
        .map(|(p, _)| p)
        .collect()
}

fn routes_of(routes: Vec<Route>) -> Router<Arc<ServerState>> {
    routes
        .into_iter()
        .fold(Router::new(), |r, (path, handler)| r.route(path, handler))
}

/// CORS for the configured origins only (none: no CORS headers at all).
fn cors(origins: &[String]) -> Result<Option<tower_http::cors::CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let list = origins
        .iter()
        .map(|o| {
            axum::http::HeaderValue::from_str(o)
                .map_err(|_| eyre!("serve --cors-origin {o:?}: not a valid origin"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(list)
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
            ]),
    ))
}

/// The router over `state`; `token`: the bearer token `/api` and `/metrics` require; a
/// request taking longer than `timeout` is answered 408.
pub fn router(state: Arc<ServerState>, token: Option<String>, timeout: Duration) -> Router {
    // One limit shared by every API route (inside the timeout: waiting counts); `/health`
    // and `/ready` never wait behind it.
    let api = routes_of(guarded_routes())
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            MAX_CONCURRENT,
        ))
        .route_layer(axum::middleware::from_fn(spec::known_query))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(token),
            auth::require_token,
        ));
    routes_of(open_routes())
        .route_layer(axum::middleware::from_fn(spec::known_query))
        .merge(api)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            model_version,
        ))
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(axum::middleware::from_fn(error::uri_limit))
        .with_state(state)
}

/// Middleware: the `x-model-version` header (`global v2`) on every answer once models are in.
async fn model_version(
    axum::extract::State(st): axum::extract::State<Arc<ServerState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let version = st.current().ok().and_then(|s| {
        let v = s
            .engine
            .models
            .as_ref()?
            .version_of(returnrisk_core::model::GLOBAL)?;
        axum::http::HeaderValue::from_str(&format!("global v{}", v.version)).ok()
    });
    if let Some(v) = version {
        res.headers_mut().insert("x-model-version", v);
    }
    res
}

/// `GET /health`: the process answers.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "alive")))]
pub async fn health() -> &'static str {
    "ok\n"
}

/// `GET /ready`: 200 once data and models are loaded, else 503 with the reason.
#[utoipa::path(get, path = "/ready", responses((status = 200, description = "data and models loaded"), (status = 503, description = "not yet, and why", body = error::ErrorBody)))]
pub async fn ready(
    axum::extract::State(st): axum::extract::State<Arc<ServerState>>,
) -> Result<&'static str, ApiError> {
    let s = st.current()?;
    match s.engine.models {
        Some(_) => Ok("ready\n"),
        None => Err(ApiError::unavailable("no models: risk cannot be scored")),
    }
}

/// What `serve`'s flags ask for, as plain values (each is checked by [`run`]).
#[derive(Clone, Debug)]
pub struct ServeSettings {
    /// IP:PORT to listen on.
    pub bind: String,
    /// The file holding the bearer token (else `RETURNRISK_TOKEN`).
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without a token.
    pub no_auth: bool,
    /// Orders a /predict batch may hold.
    pub max_batch: usize,
    /// Orders an explained /predict batch may hold.
    pub max_explain_batch: usize,
    /// Seconds a request may take (408 after).
    pub timeout: f64,
    /// Connections open at once (default: fitted to the open-file limit).
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request head.
    pub header_timeout: f64,
    /// Browser origins allowed to call the API (CORS).
    pub cors_origin: Vec<String>,
}

/// Loads the data and models (reused from the registry, or trained) into a view to serve;
/// with a cube built elsewhere (`--cube`), that cube and the registry's active models.
fn load(data: &DataSettings) -> Result<Served> {
    let dir = returnrisk_setup::open::data_dir(data)?;
    if let Some(cube) = data.cube.folder(&dir) {
        let engine = returnrisk_setup::open::open_cube(data, &dir, &cube)?;
        if let Some(src) = &engine.cube_source {
            tracing::info!("{}", returnrisk_setup::open::cube_note(src));
        }
        evaluate_cases(data, &engine);
        let lifecycle = Lifecycle::load(&engine.data.dir);
        return Ok(Served { engine, lifecycle });
    }
    let opened = returnrisk_setup::open::open_data(data)?;
    let (models, prov) = load_or_train(
        &opened.data,
        &returnrisk_core::model::TrainConfig::default(),
        false,
        &|_| {},
    )?;
    tracing::info!("{}", prov.summary());
    let prepared = Prepared::new(&opened.data, models, opened.bands);
    let mut engine = Engine::with_prepared(opened.data, opened.report, opened.bands, prepared);
    engine.alert_policy = opened.alert_policy;
    evaluate_cases(data, &engine);
    let lifecycle = Lifecycle::load(&engine.data.dir);
    Ok(Served { engine, lifecycle })
}

/// Reconciles the cases with the alerts of the data just loaded (a failure is logged: the
/// data is still served).
fn evaluate_cases(data: &DataSettings, engine: &Engine) {
    let policy = match data.config() {
        Ok(c) => c.case_policy(),
        Err(e) => return tracing::warn!("cases not evaluated: {e}"),
    };
    let e = returnrisk_cases::evaluation_of(engine, policy.window);
    let evaluated = returnrisk_cases::evaluate(&engine.data.dir, &e, policy.recover_after);
    if !policy.notify.webhooks.is_empty()
        && let Err(err) = returnrisk_cases::CaseStore::open(&engine.data.dir)
            .and_then(|mut s| s.notify(&policy.notify))
    {
        tracing::warn!("webhook messages not sent: {err}");
    }
    match evaluated {
        Ok(Some(r)) if r.evaluated => tracing::info!(
            "cases: {} alerts, {} opened, {} reopened, {} woke, {} recovered",
            e.firing.len(),
            r.opened,
            r.reopened,
            r.woke,
            r.recovered
        ),
        Ok(_) => {}
        Err(err) => tracing::warn!("cases not evaluated: {err}"),
    }
}

/// The token to require: `--token-file`, else `RETURNRISK_TOKEN`; an address other than
/// loopback without one is an error unless `--no-auth`.
fn token(opts: &ServeSettings, addr: SocketAddr) -> Result<Option<String>> {
    let token = match &opts.token_file {
        Some(f) => {
            let t = std::fs::read_to_string(f)
                .wrap_err_with(|| format!("cannot read the token file {}", f.display()))?;
            if t.trim().is_empty() {
                bail!(
                    "serve --token-file {}: the file is empty (write the token in it, or leave the flag out to serve loopback without one)",
                    f.display()
                );
            }
            Some(t.trim().to_string())
        }
        None => std::env::var(TOKEN_ENV).ok().map(|t| t.trim().to_string()),
    }
    .filter(|t| !t.is_empty());
    if opts.no_auth {
        return Ok(None);
    }
    if token.is_none() && !addr.ip().is_loopback() {
        bail!(
            "serve --bind {addr}: an address other than loopback needs a bearer token (--token-file FILE or {TOKEN_ENV}), or --no-auth to serve without one"
        );
    }
    Ok(token)
}

/// Runs the server until SIGTERM, SIGINT or SIGHUP.
pub fn run(data: &DataSettings, opts: &ServeSettings) -> Result<()> {
    let addr: SocketAddr = opts
        .bind
        .parse()
        .map_err(|e| eyre!("serve --bind {:?}: {e} (expected IP:PORT)", opts.bind))?;
    let token = token(opts, addr)?;
    let limits = Limits::of(opts)?;
    // Checked before binding: a bad flag is an error, not a server that answers 503.
    data.bands().map_err(|e| eyre!(e))?;
    data.load_options().map_err(|e| eyre!(e))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = rt.block_on(serve(data.clone(), addr, token, limits));
    // Jobs still running were told to stop when their requests were dropped.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    served
}

/// What `serve`'s flags limit.
struct Limits {
    max_batch: usize,
    max_explain_batch: usize,
    timeout: Duration,
    connections: listen::ConnectionLimits,
    cors: Option<tower_http::cors::CorsLayer>,
}

/// `--flag`'s seconds as a duration: above 0 and at most [`MAX_TIMEOUT_SECONDS`].
fn seconds(flag: &str, s: f64) -> Result<Duration> {
    if !(s > 0.0 && s <= MAX_TIMEOUT_SECONDS) {
        bail!(
            "serve {flag} {s}: expected a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS}"
        );
    }
    Ok(Duration::from_secs_f64(s))
}

/// `--flag`'s count: 1 to `max`.
fn count(flag: &str, n: usize, max: usize) -> Result<usize> {
    if !(1..=max).contains(&n) {
        bail!("serve {flag} {n}: expected 1 to {max}");
    }
    Ok(n)
}

impl Limits {
    /// The limits `opts` ask for, each checked.
    fn of(opts: &ServeSettings) -> Result<Limits> {
        let max_connections =
            listen::connection_cap(opts.max_connections, listen::open_file_limit())
                .map_err(|e| eyre!(e))?;
        Ok(Limits {
            max_batch: count("--max-batch", opts.max_batch, MAX_BATCH_LIMIT)?,
            max_explain_batch: count(
                "--max-explain-batch",
                opts.max_explain_batch,
                MAX_BATCH_LIMIT,
            )?,
            timeout: seconds("--timeout", opts.timeout)?,
            connections: listen::ConnectionLimits {
                max_connections,
                header_timeout: seconds("--header-timeout", opts.header_timeout)?,
            },
            cors: cors(&opts.cors_origin)?,
        })
    }
}

async fn serve(
    data: DataSettings,
    addr: SocketAddr,
    token: Option<String>,
    limits: Limits,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .wrap_err_with(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;
    let auth = match (&token, bound.ip().is_loopback()) {
        (Some(_), _) => "bearer token required",
        (None, true) => "no token (loopback only)",
        (None, false) => "NO AUTHENTICATION (--no-auth)",
    };
    eprintln!(
        "listening on http://{bound} ({auth}; at most {} connections)",
        limits.connections.max_connections
    );
    let dir = returnrisk_setup::open::data_dir(&data)?;
    let notify = data.config().map_err(|e| eyre!(e))?.case_policy().notify;
    let mut state = ServerState::new(limits.max_batch, dir.clone(), token.is_some());
    state.max_explain_batch = limits.max_explain_batch;
    state.notify = notify;
    let state = Arc::new(state);
    cases::spawn_notifier(state.clone());
    let loading = state.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        match load(&data) {
            Ok(served) => {
                loading.install(served);
                tracing::info!("serving");
                eprintln!("ready");
            }
            Err(e) => {
                let why = format!("cannot load: {e}");
                eprintln!("error: {why}");
                loading.fail(why);
            }
        }
        // Watched from now on (a first training's own registry write is not a change).
        let _guard = handle.enter();
        reload::spawn(loading, data, dir);
    });
    let mut app = router(state, token, limits.timeout);
    if let Some(cors) = limits.cors {
        app = app.layer(cors);
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = listen::serve(listener, app, limits.connections, async {
        let _ = stop_rx.await;
    });
    let mut server = std::pin::pin!(server);
    tokio::select! {
        () = &mut server => return Ok(()),
        sig = shutdown_signal() => eprintln!("{sig}: finishing requests in flight"),
    }
    let _ = stop_tx.send(());
    if tokio::time::timeout(SHUTDOWN_GRACE, server).await.is_err() {
        eprintln!("requests still running after {SHUTDOWN_GRACE:?}: stopping");
    }
    Ok(())
}

/// Resolves on SIGTERM, SIGINT or SIGHUP, with the signal's name. SIGHUP (a closed
/// terminal or ssh session) drains like SIGTERM rather than reloading: the server already
/// reloads by itself when the data or the registry change on disk.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
        _ = hup.recv() => "SIGHUP",
    }
}

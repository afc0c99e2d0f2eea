//! The `revshare` command: serve, migrate, schema, token, tenant create.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use revshare::auth::jwt::{self, Claims, Keys};
use revshare::config::{Config, database};
use revshare::error::ApiError;
use revshare::http::Options;
use revshare::observe::traces::Say;
use revshare::staff::{self, StaffRole};
use revshare::tenants;
use revshare::{app, demo, graphql};
use serde_json::json;

/// A request allocates many small objects on whichever worker thread runs
/// it; glibc's allocator spent about a quarter of the server's time in
/// `malloc`/`free` under concurrent reads, with its arenas' locks contended.
/// mimalloc keeps per-thread heaps (docs/BENCHMARKS.md, "Reads beside
/// PostGraphile").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// revshare: a GraphQL gateway for partner programs.
///
/// With no command it serves: on a fresh checkout, `revshare` creates an
/// SQLite database under ./data/, provisions a `demo` tenant, and prints the
/// GraphiQL URL and a development admin token.
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Cli {
    #[command(flatten)]
    config: Config,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply migrations and serve GraphQL (the default command).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL); `--federation`: the Federation 2
    /// subgraph SDL a supergraph composes (for `rover subgraph publish`).
    Schema {
        /// Print the subgraph SDL, with `@link` and the entities' `@key`s.
        #[arg(long)]
        federation: bool,
    },
    /// Mint a token with the configured key.
    ///
    /// Example: revshare token --tenant demo --role service --scope "partners:read" --ttl 1h
    Token {
        /// The tenant the token acts in.
        #[arg(long)]
        tenant: String,
        /// admin, partner or service.
        #[arg(long, default_value = "admin")]
        role: String,
        /// The partner a partner token acts for.
        #[arg(long)]
        partner: Option<String>,
        /// Space-separated scopes of a service token, e.g. "partners:read partner_groups:write".
        #[arg(long)]
        scope: Option<String>,
        /// Lifetime: 90s, 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
        /// The `sub` claim.
        #[arg(long, default_value = "cli")]
        subject: String,
    },
    /// A one-time link signing a person of the staff in to the console
    /// (`/admin/`), printed to give to them; a fresh install's first
    /// sign-in.
    ///
    /// Example: revshare staff-link --tenant acme --email ana@acme.example --role admin
    StaffLink {
        /// The tenant the person signs in to.
        #[arg(long)]
        tenant: String,
        /// The person's e-mail address (their session's `sub`).
        #[arg(long)]
        email: String,
        /// admin (every write) or viewer (reads everything, writes nothing).
        #[arg(long, default_value = "admin")]
        role: String,
        /// How long the link waits to be used, in minutes (at most a week).
        #[arg(long, default_value_t = 60)]
        minutes: i32,
    },
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Exchange rates (SPEC §22).
    Rates {
        #[command(subcommand)]
        command: RatesCommand,
    },
}

#[derive(Subcommand, Debug)]
enum RatesCommand {
    /// Import a reference-rate file in the ECB's layout into a tenant, and
    /// accrue the events that waited for its rates (one transaction; a
    /// malformed file imports nothing).
    ///
    /// Example: revshare rates import eurofxref-hist.csv --tenant acme --source ECB
    Import {
        /// The file (`eurofxref-hist.csv`, or the daily `eurofxref.csv`).
        file: std::path::PathBuf,
        /// The tenant whose rates they are.
        #[arg(long)]
        tenant: String,
        /// Where the rates come from, kept with each.
        #[arg(long, default_value = "ECB")]
        source: String,
    },
}

#[derive(Subcommand, Debug)]
enum TenantCommand {
    /// Create a tenant with its default group.
    ///
    /// Example: revshare tenant create acme --name "Acme Inc" --currency EUR --time-zone Europe/Berlin
    Create {
        /// Tenant id: a-z, 0-9, - and _ (it appears in tokens).
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "USD")]
        currency: String,
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let say = Say {
        format: cli.config.log_format,
    };
    say.hook_panics();
    if let Err(err) = revshare::observe::traces::init(cli.config.log_format) {
        // The log works; traces do not: say so and go on.
        tracing::error!("{err}");
    }
    match run(cli, say).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            say.fatal(&format!("{err:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, say: Say) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let served = serve(&cli.config, say).await;
            revshare::observe::traces::flush();
            served
        }
        Command::Migrate => {
            let db = database::connect(&cli.config).await?;
            app::migrate(&db).await.context("migrating")?;
            say.out("migrations applied", json!({}));
            Ok(())
        }
        Command::Schema { federation } => {
            match federation {
                true => print!("{}", graphql::federation_sdl()),
                false => print!("{}", graphql::sdl()),
            }
            Ok(())
        }
        Command::Token {
            tenant,
            role,
            partner,
            scope,
            ttl,
            subject,
        } => {
            // Never a new development secret here: a token signed with one
            // the server does not have would be refused by it.
            let keys = Keys::for_minting(&cli.config.key_settings())?;
            if keys.development {
                eprintln!(
                    "signed with the development secret in {} (what `revshare serve` uses with no key configured)",
                    cli.config.data_dir.join("jwt-secret").display()
                );
            }
            let ttl = jwt::parse_ttl(&ttl).map_err(anyhow::Error::msg)?;
            if role == "partner" && partner.is_none() {
                bail!("a partner token needs --partner ID");
            }
            let now = jwt::now_seconds();
            let claims = Claims {
                sub: subject,
                tenant_id: tenant,
                role,
                partner_id: partner,
                scope,
                exp: now + ttl,
                iat: Some(now),
                nbf: None,
                iss: None,
                aud: None,
                sid: None,
            };
            println!("{}", keys.mint(&claims)?);
            Ok(())
        }
        Command::StaffLink {
            tenant,
            email,
            role,
            minutes,
        } => {
            let role = StaffRole::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role is admin or viewer, not {role}"))?;
            let keys = Keys::for_minting(&cli.config.key_settings())?;
            let db = database::connect(&cli.config).await?;
            app::migrate(&db).await.context("migrating")?;
            let link = staff::create_link(&db, &keys, &tenant, "cli", &email, role, minutes)
                .await
                .map_err(cli_error)?;
            let url = format!(
                "{}{}",
                console_base(&cli.config)?,
                staff::link_path(&link.code)
            );
            say.out(
                &format!(
                    "{url}\n(one sign-in for {email} as {}, until {})",
                    role.as_str(),
                    link.expires_at.format("%Y-%m-%d %H:%M UTC")
                ),
                json!({ "url": url, "expiresAt": link.expires_at }),
            );
            Ok(())
        }
        Command::Tenant {
            command:
                TenantCommand::Create {
                    id,
                    name,
                    currency,
                    time_zone,
                },
        } => {
            let db = database::connect(&cli.config).await?;
            app::migrate(&db).await.context("migrating")?;
            let new = tenants::NewTenant {
                id,
                name,
                currency,
                time_zone,
            };
            let tenant = tenants::create(&db, new).await.map_err(cli_error)?;
            say.out(
                &format!(
                    "created tenant {} ({}, {})",
                    tenant.id, tenant.currency, tenant.time_zone
                ),
                json!({ "tenant": tenant.id }),
            );
            Ok(())
        }
        Command::Rates {
            command:
                RatesCommand::Import {
                    file,
                    tenant,
                    source,
                },
        } => {
            let csv = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let db = database::connect(&cli.config).await?;
            app::migrate(&db).await.context("migrating")?;
            let outcome = revshare::ledger::exchange::import(&db, &tenant, &source, &csv)
                .await
                .map_err(cli_error)?;
            say.out(
                &format!(
                    "imported {} rates of {} days into {tenant}; {} held events accrued",
                    outcome.imported.rates, outcome.imported.days, outcome.accrued
                ),
                json!({
                    "imported": outcome.imported.rates,
                    "days": outcome.imported.days,
                    "accrued": outcome.accrued,
                }),
            );
            Ok(())
        }
    }
}

fn cli_error(err: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", err.message())
}

/// Where the console is reached: `REVSHARE_PUBLIC_URL`, else the address
/// revshare listens on.
fn console_base(config: &Config) -> anyhow::Result<String> {
    Ok(match config.public_url().map_err(anyhow::Error::msg)? {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => format!("http://{}", config.listen),
    })
}

async fn serve(config: &Config, say: Say) -> anyhow::Result<()> {
    let keys = Keys::from_config(&config.key_settings())?;
    // Development mode mints an admin token and hands it to whoever opens
    // GraphiQL: only where no one else can reach it.
    if keys.development && !config.listen.ip().is_loopback() {
        bail!(
            "REVSHARE_LISTEN is {}, which other machines can reach, and no JWT key is \
             configured: set REVSHARE_JWT_SECRET (at least 32 bytes) or \
             REVSHARE_JWT_PUBLIC_KEY, or listen on a loopback address such as 127.0.0.1:8080 \
             for development",
            config.listen
        );
    }
    // Every setting is checked before anything is written or migrated: a
    // replica with a typo dies before it touches a shared database.
    let webhooks = config.webhooks().map_err(anyhow::Error::msg)?;
    let data_key = config
        .data_key(keys.development)
        .map_err(anyhow::Error::msg)?;
    let public_url = config.public_url().map_err(anyhow::Error::msg)?;
    let trusted_proxies = revshare::http::client::TrustedProxies::parse(
        config.trusted_proxies.as_deref().unwrap_or_default(),
    )
    .map_err(anyhow::Error::msg)?;
    let geo = match config.geoip_db.as_deref().filter(|p| !p.is_empty()) {
        Some(path) => Some(std::sync::Arc::new(
            revshare::links::visit::Geo::open(path).map_err(anyhow::Error::msg)?,
        )),
        None => None,
    };
    let cors = config.cors(keys.development).map_err(anyhow::Error::msg)?;
    let jobs = config.jobs().map_err(anyhow::Error::msg)?;
    let dns_resolver = revshare::links::dns::Resolver::parse(config.dns_resolver.as_deref())
        .map_err(anyhow::Error::msg)?;
    let click_journal = revshare::links::journal::Journal::open(&config.data_dir.join("clicks"))
        .map_err(anyhow::Error::msg)?;
    database::check_replicas(config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|err| {
            anyhow::anyhow!(
                "cannot listen on {} ({err}): set REVSHARE_LISTEN or --listen to another \
                 address, such as 127.0.0.1:8081",
                config.listen
            )
        })?;
    let metrics = match config.metrics_listen {
        Some(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .map_err(|err| {
                    anyhow::anyhow!(
                        "cannot serve metrics on {address} ({err}): set REVSHARE_METRICS_LISTEN \
                 or --metrics-listen to another address"
                    )
                })?,
        ),
        None => None,
    };
    let address = listener.local_addr()?;
    let mail_base = public_url
        .as_deref()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("http://{address}"));
    let mail = config.mail(&mail_base).map_err(anyhow::Error::msg)?;

    let db = database::connect(config).await?;
    app::migrate(&db).await.context("migrating")?;
    let db = database::with_replicas(config, db).await?;

    let mut dev_token = None;
    if keys.development {
        if demo::provision(&db).await.map_err(cli_error)? {
            tracing::info!("provisioned the demo tenant");
        }
        let now = jwt::now_seconds();
        let claims = Claims {
            sub: "developer".into(),
            tenant_id: demo::DEMO_TENANT.into(),
            role: "admin".into(),
            partner_id: None,
            scope: None,
            exp: now + 7 * 86_400,
            iat: Some(now),
            nbf: None,
            iss: None,
            aud: None,
            sid: None,
        };
        dev_token = Some(keys.mint(&claims)?);
    }

    let graphql = format!("http://{address}/graphql");
    say.out(
        &format!("revshare is serving GraphQL at {graphql} (GraphiQL in a browser)"),
        json!({ "graphql": graphql }),
    );
    if keys.development {
        match demo::sample_portal_path(&db, &keys).await {
            Ok(path) => {
                let portal = format!("http://{address}{path}");
                say.out(
                    &format!("The sample partner's portal (one sign-in, valid a day): {portal}"),
                    json!({ "portal": portal }),
                );
            }
            Err(err) => tracing::warn!(error = ?err, "no portal link for the sample partner"),
        }
        match staff::create_link(
            &db,
            &keys,
            demo::DEMO_TENANT,
            "development",
            demo::DEMO_STAFF_EMAIL,
            StaffRole::Admin,
            24 * 60,
        )
        .await
        {
            Ok(link) => {
                let console = format!("http://{address}{}", staff::link_path(&link.code));
                say.out(
                    &format!("The console, as an admin (one sign-in, valid a day): {console}"),
                    json!({ "console": console }),
                );
            }
            Err(err) => tracing::warn!(error = ?err, "no console link for the demo tenant"),
        }
        match demo::join_campaign(&db).await {
            Ok(campaign) => {
                let join = format!("http://{address}/join/{}/{campaign}", demo::DEMO_TENANT);
                say.out(
                    &format!(
                        "Strangers apply at {join}; with no SMTP server, `emails` shows what \
                         they would be sent"
                    ),
                    json!({ "join": join }),
                );
            }
            Err(err) => tracing::warn!(error = ?err, "no public campaign to apply to"),
        }
    }
    if let Some(token) = &dev_token {
        say.gap();
        say.out(
            &format!(
                "Development mode: no JWT key is configured, so a secret was kept in\n\
                 {}/jwt-secret. GraphiQL already sends this admin token for tenant \"demo\"\n\
                 (valid 7 days); other clients send it as \"Authorization: Bearer <token>\":",
                config.data_dir.display()
            ),
            json!({}),
        );
        say.gap();
        say.out(token, json!({ "developmentToken": true }));
        say.gap();
    }
    if webhooks.allow_private {
        say.out(
            "REVSHARE_WEBHOOK_ALLOW_PRIVATE is on: webhooks may go to http URLs and to \
             loopback and private addresses (tests and development only)",
            json!({}),
        );
        tracing::warn!("webhooks may go to http URLs and to loopback and private addresses");
    }
    if data_key.is_none() {
        tracing::warn!(
            "REVSHARE_DATA_KEY is not set: tax profiles are refused until it is (32 bytes, base64)"
        );
    }
    if mail.smtp.is_none() {
        tracing::info!("REVSHARE_SMTP_URL is not set: e-mail stays QUEUED, readable in `emails`");
    }
    let options = Options {
        mail,
        data_key,
        public_url,
        trusted_proxies,
        anonymous_writes_per_minute: config.anonymous_writes_per_minute,
        payout_poll: std::time::Duration::from_secs(config.payout_poll_seconds.max(1)),
        cors,
        apq_cache_size: config.apq_cache_size,
        event_retention_days: config.event_retention_days,
        click_retention_months: config.click_retention_months,
        activity_retention_days: config.activity_retention_days,
        jobs,
        maturity_interval: (config.maturity_interval > 0)
            .then(|| std::time::Duration::from_secs(config.maturity_interval)),
        fx_url: config.fx_url.clone(),
        backtest_inline: revshare::backtests::Inline(config.backtest_inline_events),
        webhooks,
        graphiql_token: dev_token,
        geo,
        dns_resolver,
        click_journal: Some(click_journal),
        ..Options::new(std::time::Duration::from_millis(config.loader_delay_ms))
    };
    // Which jobs run here: with REVSHARE_JOBS, replicas differ.
    tracing::info!(jobs = ?options.jobs.names(), "background jobs on this replica");
    let app = app::build(db, keys, &options);
    if let Some(metrics) = metrics {
        let url = format!("http://{}/metrics", metrics.local_addr()?);
        say.out(&format!("metrics at {url}"), json!({ "metrics": url }));
        app.shutdown.runner().serve(async move {
            drop(app::serve(metrics, app.metrics, std::future::pending()).await)
        });
    }
    let (closing, shutdown) = (app.closing, app.shutdown);
    let (heard, stopping) = tokio::sync::oneshot::channel::<()>();
    let server = app::serve(listener, app.api, async move {
        let _ = stopping.await;
        // Subscribers hear 1001 and reconnect elsewhere; HTTP requests in
        // flight finish after.
        closing.close(std::time::Duration::from_secs(5)).await;
    });
    tokio::pin!(server);
    tokio::select! {
        _ = stop_signal() => {}
        served = &mut server => {
            // The listener failed: nothing to drain.
            served?;
            return Ok(());
        }
    }
    // A clean stop: no new request or job step; requests in flight and
    // each job's step finish within the grace; leases are released.
    let grace = config.shutdown_grace();
    let deadline = tokio::time::Instant::now() + grace;
    tracing::info!(grace_ms = grace.as_millis() as u64, "shutting down");
    shutdown.request();
    let _ = heard.send(());
    if let Ok(served) = tokio::time::timeout_at(deadline, &mut server).await {
        served?;
    } else {
        tracing::warn!("requests still running when the grace period ended were cut off");
    }
    let stopped = shutdown.stop(deadline).await;
    match stopped.aborted {
        0 => tracing::info!(jobs = stopped.finished, "background work stopped"),
        aborted => tracing::warn!(
            jobs = stopped.finished,
            aborted,
            "jobs still in a step when the grace period ended were cut off; their leases run out"
        ),
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM (what a container runtime or systemd sends): either
/// finishes the requests in flight, then the queued spans are sent.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

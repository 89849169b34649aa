//! `vuhitra info`: the effective configuration in one screen, without opening
//! any connection.

use serde::Serialize;
use vuhitra_config::{redact_url, Settings};

use crate::build_info;
use crate::context::Context;
use crate::error::CliResult;
use crate::output::OutputFormat;

/// Summarise the effective configuration, feature flags and service endpoints.
///
/// Opens no connection; `vuhitra doctor` checks that servers answer.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  vuhitra info --format json")]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Serialize)]
struct InfoReport {
    version: &'static str,
    commit: &'static str,
    features: Vec<&'static str>,
    config_file: Option<String>,
    dotenv_file: Option<String>,
    data_dir: String,
    cache_dir: String,
    workspace_path: String,
    flags: Flags,
    services: Vec<Service>,
}

#[derive(Serialize)]
struct Flags {
    enable_prompt_cache: bool,
    enable_heuristics: bool,
}

#[derive(Serialize)]
struct Service {
    name: &'static str,
    /// `server` when a server is configured, `embedded` otherwise.
    mode: &'static str,
    endpoint: String,
    source: String,
}

pub fn run(args: &Args, context: &Context) -> CliResult {
    let settings = &context.settings;
    let report = InfoReport {
        version: build_info::VERSION,
        commit: build_info::GIT_COMMIT,
        features: build_info::features(),
        config_file: context
            .resolved
            .config_file
            .as_ref()
            .map(|path| path.display().to_string()),
        dotenv_file: context
            .resolved
            .dotenv_file
            .as_ref()
            .map(|path| path.display().to_string()),
        data_dir: settings.paths.data_dir.display().to_string(),
        cache_dir: settings.paths.cache_dir.display().to_string(),
        workspace_path: settings.workspace_path.display().to_string(),
        flags: Flags {
            enable_prompt_cache: settings.enable_prompt_cache,
            enable_heuristics: settings.enable_heuristics,
        },
        services: services(settings),
    };

    match args.format {
        OutputFormat::Json => context.output.json(&report),
        OutputFormat::Table => {
            let output = &context.output;
            let none = || "(none)".to_string();
            output.line(format!(
                "vuhitra {} ({})\nfeatures:       {}\nconfig file:    {}\n.env:           {}\ndata dir:       {}\ncache dir:      {}\nworkspace:      {}\nprompt cache:   {}\nheuristics:     {}\n",
                report.version,
                report.commit,
                build_info::FEATURES,
                report.config_file.clone().unwrap_or_else(none),
                report.dotenv_file.clone().unwrap_or_else(none),
                report.data_dir,
                report.cache_dir,
                report.workspace_path,
                on_off(report.flags.enable_prompt_cache),
                on_off(report.flags.enable_heuristics),
            ))?;

            let mut table = output.table();
            table.set_header(["SERVICE", "MODE", "ENDPOINT", "SOURCE"]);
            for service in &report.services {
                table.add_row([
                    service.name,
                    service.mode,
                    service.endpoint.as_str(),
                    service.source.as_str(),
                ]);
            }
            output.print_table(&table)
        }
    }
}

fn on_off(flag: bool) -> &'static str {
    if flag {
        "on"
    } else {
        "off"
    }
}

fn services(settings: &Settings) -> Vec<Service> {
    let source_of = |name: &str| {
        settings
            .origin(name)
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let optional = |name: &'static str,
                    setting: &'static str,
                    url: &Option<String>,
                    embedded: String| match url {
        Some(url) => Service {
            name,
            mode: "server",
            endpoint: redact_url(url),
            source: source_of(setting),
        },
        None => Service {
            name,
            mode: "embedded",
            endpoint: embedded,
            source: format!("{setting} unset"),
        },
    };

    vec![
        Service {
            name: "llm",
            mode: "server",
            endpoint: format!(
                "{} ({}, model {})",
                settings.ollama_ip,
                settings.llm_provider.as_str(),
                settings.model
            ),
            source: source_of("OLLAMA_IP"),
        },
        optional(
            "redis",
            "REDIS_URL",
            &settings.redis_url,
            format!("files under {}", settings.paths.cache_dir.display()),
        ),
        optional(
            "elasticsearch",
            "ELASTICSEARCH_URL",
            &settings.elasticsearch_url,
            format!("SQLite under {}", settings.paths.data_dir.display()),
        ),
        optional(
            "spark",
            "SPARK_MASTER",
            &settings.spark_master,
            "in-process engine".to_string(),
        ),
    ]
}

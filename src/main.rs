use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = qalxan::cli::Cli::parse();
    match qalxan::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line, with its causes, and no panic trace.
            let message = format!("{error:#}");
            eprintln!(
                "error: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            std::process::ExitCode::FAILURE
        }
    }
}

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = qalxan::cli::Cli::parse();
    match qalxan::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line, with its causes, and no panic trace.
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

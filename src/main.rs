//! Offramp: a training sandbox for following darknet-market money on Bitcoin to the cash-out.
//! Without a subcommand it opens the investigation app; the subcommands validate, generate,
//! score and inspect.

fn main() {
    std::process::exit(offramp::cli::run(std::env::args_os()));
}

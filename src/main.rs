//! Offramp: a training sandbox for following darknet-market money on Bitcoin to the cash-out.
//!
//! One binary: without a subcommand it lists the scenario library (the investigation app
//! comes next); the subcommands validate, generate and score scenarios.

mod cli;
mod library;

fn main() {
    std::process::exit(cli::run(std::env::args_os()));
}

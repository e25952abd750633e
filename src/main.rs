use std::process::ExitCode;

// Evaluation allocates and frees many small values; mimalloc does that far faster than the
// system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = registry::Cli::from_env();
    registry::run(cli)
}

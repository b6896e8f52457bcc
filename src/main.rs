fn main() {
    std::process::exit(roller::cli::run());
}

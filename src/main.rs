fn main() {
    // A panic is a bug in roller, never the user's fault: report it and exit with
    // ansible-playbook's code for unexpected errors.
    let code = std::panic::catch_unwind(roller::cli::run).unwrap_or_else(|_| {
        eprintln!("[ERROR]: Unexpected Exception in roller; this is a bug, please report it");
        250
    });
    std::process::exit(code);
}

//! The control socket: one command per connection, one line each way.

use crate::cluster::Cluster;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

pub fn serve(dir: &Path, mut cluster: Cluster) -> Result<(), String> {
    let socket = dir.join("control.sock");
    let _ = std::fs::remove_file(&socket);
    let listener =
        UnixListener::bind(&socket).map_err(|e| format!("bind {}: {e}", socket.display()))?;
    // Non-blocking, so that catch-up timers run between commands.
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("bootstrap"), cluster.bootstrap_servers())
        .map_err(|e| e.to_string())?;
    eprintln!(
        "roller-lab-kafka: serving {} on {}",
        cluster.bootstrap_servers(),
        socket.display()
    );
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = answer(stream, &mut cluster) {
                    eprintln!("roller-lab-kafka: control: {e}");
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => return Err(format!("accept: {e}")),
        }
        cluster.tick()?;
    }
}

fn answer(stream: UnixStream, cluster: &mut Cluster) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let reply = match cluster.command(line.trim()) {
        Ok(done) => format!("ok {done}"),
        Err(e) => format!("error {e}"),
    };
    eprintln!("roller-lab-kafka: {} -> {reply}", line.trim());
    (&stream).write_all(format!("{reply}\n").as_bytes())
}

pub fn send(socket: &Path, command: &str) -> Result<String, String> {
    let mut stream =
        UnixStream::connect(socket).map_err(|e| format!("connect {}: {e}", socket.display()))?;
    stream
        .write_all(format!("{command}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    BufReader::new(&stream)
        .read_line(&mut reply)
        .map_err(|e| e.to_string())?;
    let reply = reply.trim().to_string();
    if reply.starts_with("ok ") {
        Ok(reply)
    } else {
        Err(reply)
    }
}

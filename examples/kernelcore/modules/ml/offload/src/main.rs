//! unified-llm: a single local endpoint that relays requests to an LLM
//! backend (ollama on this machine by default) and answers its own
//! health check, so editors and scripts only ever know one address.

use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

struct Config {
    listen: String,
    backend: String,
}

fn parse_args() -> Config {
    let mut config = Config {
        listen: "127.0.0.1:8090".to_string(),
        backend: "127.0.0.1:11434".to_string(),
    };
    let mut args = env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--listen" => config.listen = value,
            "--backend" => config.backend = value,
            other => eprintln!("unified-llm: ignoring unknown flag {other}"),
        }
    }
    config
}

fn relay(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn handle(mut client: TcpStream, backend: &str) -> io::Result<()> {
    let mut head = [0u8; 4096];
    let n = client.read(&mut head)?;

    if head[..n].starts_with(b"GET /health ") {
        return client.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
    }

    let mut upstream = TcpStream::connect(backend)?;
    upstream.write_all(&head[..n])?;

    let (client_in, upstream_out) = (client.try_clone()?, upstream.try_clone()?);
    let forward = thread::spawn(move || relay(client_in, upstream_out));
    relay(upstream, client);
    let _ = forward.join();
    Ok(())
}

fn main() -> io::Result<()> {
    let config = parse_args();
    let listener = TcpListener::bind(&config.listen)?;
    eprintln!("unified-llm: {} -> {}", config.listen, config.backend);

    for stream in listener.incoming() {
        let backend = config.backend.clone();
        match stream {
            Ok(client) => {
                thread::spawn(move || {
                    if let Err(err) = handle(client, &backend) {
                        eprintln!("unified-llm: {err}");
                    }
                });
            }
            Err(err) => eprintln!("unified-llm: accept failed: {err}"),
        }
    }
    Ok(())
}

//! Random inventories for the generative differential test: groups nested at random depth,
//! hosts (with ranges and ports) in several groups, variables at every level drawn from
//! YAML 1.1 / Python-literal corner cases, group_vars/host_vars files, and host patterns.

use std::fmt::Write as _;
use std::path::Path;

/// xorshift64*: small, deterministic, good enough to draw test cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const GROUPS: &[&str] = &[
    "kafka_broker",
    "kafka_controller",
    "zookeeper",
    "schema_registry",
    "kafka_connect",
    "ksql",
    "control_center",
    "g1",
    "g2",
    "dc1",
    "dc2",
    "rack_a",
];
const HOSTS: &[&str] = &[
    "broker1.lab.test",
    "broker2.lab.test",
    "broker3.lab.test",
    "ctrl1.lab.test",
    "zk1",
    "sr-1.example.com",
    "connect01",
    "198.18.0.21",
    "web-a",
    "web_b",
];
const RANGES: &[&str] = &[
    "node[1:3].lab.test",
    "b[01:04]",
    "r[a:c]",
    "s[0:8:4].x",
    "m[1:2]-[a:b]",
];
const VAR_NAMES: &[&str] = &[
    "v1",
    "v2",
    "shared",
    "port",
    "ansible_user",
    "kafka_broker_service_name",
    "nested",
    "ansible_group_priority",
];

/// YAML scalars Ansible and a YAML 1.2 reader disagree on, among ordinary ones.
const YAML_SCALARS: &[&str] = &[
    "yes",
    "No",
    "ON",
    "off",
    "True",
    "FALSE",
    "y",
    "n",
    "yEs",
    "\"yes\"",
    "'no'",
    "0644",
    "\"0644\"",
    "0o17",
    "0x1F",
    "0b101",
    "1:30",
    "-1:30",
    "190:20:30",
    "1_000",
    "1e3",
    "1.0e+3",
    "1.5",
    ".5",
    "-.inf",
    ".NaN",
    "~",
    "null",
    "Null",
    "",
    "'~'",
    "2024-05-01",
    "2024-05-01T10:20:30Z",
    "2001-12-14 21:59:43.10 -5",
    "2002-1-3",
    "09",
    "+12",
    "-0",
    "3.",
    "hello",
    "\"{{ inventory_hostname }}\"",
    "!unsafe '{{ raw }}'",
    "!unsafe 123",
    "!!str 12",
    "!!int \"7\"",
    "\"multi\\nline\"",
    "'it''s'",
    "\"é ü\"",
    "[1, two, 3.0]",
    "{a: 1, b: [x, y]}",
    "[]",
    "{}",
    "'@at'",
    "\"a: b\"",
    "'-'",
    "=x",
    "<<x",
];
/// Values for INI host lines and [group:vars] sections (Python literal_eval).
const INI_VALUES: &[&str] = &[
    "1",
    "-2",
    "1.5",
    "1e3",
    "0644",
    "0x1F",
    "1_000",
    "True",
    "False",
    "None",
    "yes",
    "no",
    "abc",
    "'quoted'",
    "\"double\"",
    "[1,2]",
    "['a','b']",
    "(1,2)",
    "{'k':1}",
    "\"{'k': [1, 2]}\"",
    "'a b'",
    "x#comment",
    "-1.5e-3",
    "''",
    "u'uni'",
    "b'bytes'",
    "r'raw\\n'",
    "'\\t'",
    "{1,2}",
    "...",
    "--1",
    "0",
    "00",
];

pub struct Case {
    /// `-i` arguments relative to the case directory.
    pub sources: Vec<String>,
    /// Extra argument sets to try besides `--list`.
    pub variants: Vec<Vec<String>>,
}

fn yaml_value(rng: &mut Rng, depth: usize) -> String {
    if depth < 2 && rng.chance(15) {
        let mut s = String::from("{");
        for i in 0..=rng.below(3) {
            if i > 0 {
                s.push_str(", ");
            }
            let _ = write!(
                s,
                "{}: {}",
                rng.pick(&["a", "b", "c", "level"]),
                flow_scalar(rng)
            );
        }
        s.push('}');
        return s;
    }
    rng.pick(YAML_SCALARS).to_string()
}

/// A scalar safe inside a YAML flow mapping.
fn flow_scalar(rng: &mut Rng) -> String {
    let s = *rng.pick(YAML_SCALARS);
    if s.starts_with(['[', '{', '!', '-']) || s.is_empty() || s.contains(": ") || s == "=x" {
        "1".into()
    } else {
        s.to_string()
    }
}

fn yaml_vars(rng: &mut Rng, out: &mut String, indent: usize) {
    for _ in 0..=rng.below(3) {
        let name = rng.pick(VAR_NAMES);
        let value = if *name == "ansible_group_priority" {
            rng.below(20).to_string()
        } else {
            yaml_value(rng, 0)
        };
        let _ = writeln!(out, "{}{}: {}", " ".repeat(indent), name, value);
    }
}

/// A group tree: each group's parent is an earlier group (or none), so there are no loops.
fn tree(rng: &mut Rng) -> Vec<(String, Option<usize>)> {
    let n = 2 + rng.below(6);
    let mut names: Vec<&str> = GROUPS.to_vec();
    let mut groups = Vec::new();
    for i in 0..n {
        let idx = rng.below(names.len());
        let name = names.remove(idx).to_string();
        let parent = if i > 0 && rng.chance(55) {
            Some(rng.below(i))
        } else {
            None
        };
        groups.push((name, parent));
    }
    groups
}

fn host_key(rng: &mut Rng) -> String {
    if rng.chance(15) {
        return rng.pick(RANGES).to_string();
    }
    let h = rng.pick(HOSTS).to_string();
    if rng.chance(10) {
        format!("{h}:{}", 2200 + rng.below(10))
    } else {
        h
    }
}

fn write_yaml(rng: &mut Rng, groups: &[(String, Option<usize>)]) -> String {
    let mut out = String::from("all:\n");
    if rng.chance(60) {
        out.push_str("  vars:\n");
        yaml_vars(rng, &mut out, 4);
    }
    if rng.chance(20) {
        out.push_str("  hosts:\n");
        let _ = writeln!(out, "    {}:", rng.pick(HOSTS));
    }
    out.push_str("  children:\n");
    fn emit(
        rng: &mut Rng,
        groups: &[(String, Option<usize>)],
        idx: usize,
        indent: usize,
        out: &mut String,
    ) {
        let pad = " ".repeat(indent);
        let (name, _) = &groups[idx];
        let kids: Vec<usize> = (0..groups.len())
            .filter(|k| groups[*k].1 == Some(idx))
            .collect();
        if kids.is_empty() && rng.chance(10) {
            let _ = writeln!(out, "{pad}{name}:");
            return;
        }
        let _ = writeln!(out, "{pad}{name}:");
        if rng.chance(50) {
            let _ = writeln!(out, "{pad}  vars:");
            yaml_vars(rng, out, indent + 4);
        }
        if rng.chance(80) {
            let _ = writeln!(out, "{pad}  hosts:");
            for _ in 0..=rng.below(3) {
                let key = host_key(rng);
                if rng.chance(40) {
                    let _ = writeln!(out, "{pad}    {key}:");
                    yaml_vars(rng, out, indent + 6);
                } else {
                    let _ = writeln!(out, "{pad}    {key}:");
                }
            }
        }
        if !kids.is_empty() {
            let _ = writeln!(out, "{pad}  children:");
            for k in kids {
                emit(rng, groups, k, indent + 4, out);
            }
        }
    }
    for idx in 0..groups.len() {
        if groups[idx].1.is_none() {
            emit(rng, groups, idx, 4, &mut out);
        }
    }
    out
}

fn write_ini(rng: &mut Rng, groups: &[(String, Option<usize>)]) -> String {
    let mut out = String::new();
    if rng.chance(30) {
        let _ = writeln!(out, "{} v1={}", rng.pick(HOSTS), rng.pick(INI_VALUES));
    }
    let mut order: Vec<usize> = (0..groups.len()).collect();
    // Sections in random order: children may be declared before their groups exist.
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    for &idx in &order {
        let name = &groups[idx].0;
        let _ = writeln!(out, "\n[{name}]");
        for _ in 0..rng.below(4) {
            let mut line = host_key(rng);
            for _ in 0..rng.below(3) {
                let _ = write!(line, " {}={}", rng.pick(VAR_NAMES), rng.pick(INI_VALUES));
            }
            let _ = writeln!(out, "{line}");
        }
        if rng.chance(50) {
            let _ = writeln!(out, "\n[{name}:vars]");
            for _ in 0..=rng.below(3) {
                let var = rng.pick(VAR_NAMES);
                let value = if *var == "ansible_group_priority" {
                    rng.below(9).to_string()
                } else {
                    rng.pick(INI_VALUES).to_string()
                };
                let _ = writeln!(out, "{var}={value}");
            }
        }
        let kids: Vec<&str> = (0..groups.len())
            .filter(|k| groups[*k].1 == Some(idx))
            .map(|k| groups[k].0.as_str())
            .collect();
        if !kids.is_empty() {
            let _ = writeln!(out, "\n[{name}:children]");
            for k in kids {
                let _ = writeln!(out, "{k}");
            }
        }
    }
    if rng.chance(40) {
        out.push_str("\n[all:vars]\n");
        let _ = writeln!(out, "v2={}", rng.pick(INI_VALUES));
    }
    out
}

fn vars_file(rng: &mut Rng) -> String {
    if rng.chance(20) {
        return format!(
            "{{\"v1\": {}, \"shared\": {{\"level\": \"json\", \"n\": 1e2}}}}\n",
            rng.pick(&["1", "\"x\"", "true", "null", "2.5"])
        );
    }
    let mut out = String::new();
    yaml_vars(rng, &mut out, 0);
    if rng.chance(50) {
        let _ = writeln!(
            out,
            "nested:\n  {}: {}\n  deep: {{x: {}}}",
            rng.pick(&["a", "b"]),
            flow_scalar(rng),
            flow_scalar(rng)
        );
    }
    out
}

fn write_vars_dirs(rng: &mut Rng, dir: &Path, groups: &[(String, Option<usize>)]) {
    let gv = dir.join("group_vars");
    let hv = dir.join("host_vars");
    std::fs::create_dir_all(&gv).expect("mkdir group_vars");
    std::fs::create_dir_all(&hv).expect("mkdir host_vars");
    if rng.chance(50) {
        let all = gv.join("all");
        std::fs::create_dir_all(&all).expect("mkdir group_vars/all");
        std::fs::write(all.join("a.yml"), vars_file(rng)).expect("write");
        std::fs::write(all.join("b"), vars_file(rng)).expect("write");
    } else if rng.chance(50) {
        std::fs::write(gv.join("all.yaml"), vars_file(rng)).expect("write");
    }
    for (name, _) in groups {
        if rng.chance(35) {
            let ext = rng.pick(&[".yml", ".yaml", ".json", ""]);
            let text = if *ext == ".json" {
                "{\"shared\": {\"from\": \"json\"}, \"v2\": 1.0e5}\n".to_string()
            } else {
                vars_file(rng)
            };
            std::fs::write(gv.join(format!("{name}{ext}")), text).expect("write");
        }
    }
    for h in HOSTS {
        if rng.chance(12) {
            std::fs::write(hv.join(format!("{h}.yml")), vars_file(rng)).expect("write");
        }
    }
}

fn pattern(rng: &mut Rng, groups: &[(String, Option<usize>)]) -> String {
    let g = |rng: &mut Rng| groups[rng.below(groups.len())].0.clone();
    match rng.below(12) {
        0 => g(rng),
        1 => format!("{}:{}", g(rng), g(rng)),
        2 => format!("{}:&{}", g(rng), g(rng)),
        3 => format!("{}:!{}", g(rng), g(rng)),
        4 => format!("{},{}", g(rng), rng.pick(HOSTS)),
        5 => format!("{}[0]", g(rng)),
        6 => format!("{}[1:2]", g(rng)),
        7 => format!("{}[-1]", g(rng)),
        8 => "broker*".into(),
        9 => "~(zk|web)".into(),
        10 => format!("all:!{}", g(rng)),
        _ => rng.pick(HOSTS).to_string(),
    }
}

/// Write case `seed` into `dir` and say how to run it.
pub fn generate(seed: u64, dir: &Path) -> Case {
    let mut rng = Rng::new(seed);
    let groups = tree(&mut rng);
    let inv_dir = dir.join("inv");
    std::fs::create_dir_all(&inv_dir).expect("mkdir inv");
    let ini = rng.chance(35);
    let (name, text) = if ini {
        ("hosts.ini", write_ini(&mut rng, &groups))
    } else {
        ("hosts.yml", write_yaml(&mut rng, &groups))
    };
    std::fs::write(inv_dir.join(name), text).expect("write inventory");
    if rng.chance(60) {
        write_vars_dirs(&mut rng, &inv_dir, &groups);
    }
    let sources = if rng.chance(15) {
        vec!["inv".to_string()]
    } else {
        vec![format!("inv/{name}")]
    };
    let mut variants = vec![vec!["--list".to_string()]];
    if rng.chance(60) {
        variants.push(vec![
            "--list".into(),
            "--limit".into(),
            pattern(&mut rng, &groups),
        ]);
    }
    if rng.chance(25) {
        variants.push(vec!["--graph".into(), "--vars".into()]);
    }
    if rng.chance(20) {
        variants.push(vec!["--host".into(), rng.pick(HOSTS).to_string()]);
    }
    Case { sources, variants }
}

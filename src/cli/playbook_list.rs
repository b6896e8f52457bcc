//! `--list-hosts`, `--list-tasks`, `--list-tags`: what a run would touch, printed as
//! ansible-playbook prints it, without running anything.

use super::playbook::PlaybookArgs;
use crate::exec::playbook_run::RunState;
use crate::inventory::Selector;
use crate::playbook::Playbook;
use crate::playbook::model::{Item, Play};

/// Tasks as the listing walks them: block sections only, implicit meta tasks left out.
fn walk(items: &[Item], out: &mut Vec<std::sync::Arc<crate::playbook::Task>>) {
    for item in items {
        match item {
            Item::Task(t) if !t.implicit => out.push(t.clone()),
            Item::Task(_) => {}
            Item::Block(b) => walk(&b.block, out),
        }
    }
}

fn play_tags(play: &Play) -> Vec<String> {
    crate::playbook::keywords::tag_list(play.keyword("tags"))
}

pub fn print(books: &[Playbook], state: &mut RunState, args: &PlaybookArgs) -> i32 {
    for (book, given) in books.iter().zip(&args.playbooks) {
        println!("\nplaybook: {given}");
        for (i, play) in book.plays.iter().enumerate() {
            // Names and host patterns are templated with the play's variables and the
            // extra vars, as ansible-playbook does.
            let mut vars = play.vars.clone();
            vars.extend(
                state
                    .opts
                    .extra_vars
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            let ctx = crate::template::VarContext {
                vars: std::sync::Arc::new(vars),
                hostvars: None,
            };
            let render = |v: &crate::vars::Value| {
                let v = state
                    .env
                    .templar
                    .template(v, &ctx)
                    .unwrap_or_else(|_| v.clone());
                crate::output::python_repr::python_str(&v)
            };
            let pattern = render(&crate::vars::Value::Str(play.hosts.clone()));
            let name = match &play.name {
                Some(n) => render(n),
                None => pattern.clone(),
            };
            let mytags = play_tags(play);
            let mut msg = format!(
                "\n  play #{} ({}): {}\tTAGS: [{}]",
                i + 1,
                pattern,
                name,
                mytags.join(",")
            );
            if args.list_hosts {
                let mut sel = Selector::new(&state.inventory);
                let hosts = match sel
                    .set_limit(args.limit.as_deref())
                    .and_then(|()| sel.hosts(&pattern))
                {
                    Ok(h) => h,
                    Err(e) => {
                        eprintln!("ERROR! {e}");
                        return 1;
                    }
                };
                let shown = crate::output::python_repr::repr(&crate::vars::Value::List(vec![
                    crate::vars::Value::Str(pattern.clone()),
                ]));
                msg.push_str(&format!(
                    "\n    pattern: {shown}\n    hosts ({}):",
                    hosts.len()
                ));
                for h in hosts {
                    msg.push_str(&format!("\n      {}", state.inventory.host(h).name));
                }
            }
            println!("{msg}");
            if !(args.list_tasks || args.list_tags) {
                continue;
            }
            let mut tasks = Vec::new();
            walk(&play.body.block, &mut tasks);
            let mut text = String::new();
            if args.list_tasks {
                text.push_str("    tasks:\n");
            }
            let mut all_tags: Vec<String> = Vec::new();
            for t in tasks {
                let tags = t.chain.tags();
                // ansible-playbook filters by tags when listing tasks, and when listing tags
                // only if tags were asked for.
                let filtered =
                    !args.list_tags || !args.tags.is_empty() || !args.skip_tags.is_empty();
                if filtered && !state.opts.tags.selects(&tags) {
                    continue;
                }
                for tag in &tags {
                    if !all_tags.contains(tag) {
                        all_tags.push(tag.clone());
                    }
                }
                if args.list_tasks {
                    let mut cur: Vec<String> = mytags.clone();
                    cur.extend(tags);
                    cur.sort();
                    cur.dedup();
                    let label = match (t.name(), &t.role) {
                        (Some(n), Some(_)) if t.action == "include_role" => {
                            crate::output::python_repr::python_str(n)
                        }
                        (Some(n), Some(r)) => {
                            format!("{} : {}", r.name, crate::output::python_repr::python_str(n))
                        }
                        (Some(n), None) => crate::output::python_repr::python_str(n),
                        (None, _) => t.action_written.clone(),
                    };
                    text.push_str(&format!("      {label}\tTAGS: [{}]\n", cur.join(", ")));
                }
            }
            if args.list_tags {
                let mut cur = mytags.clone();
                cur.extend(all_tags);
                cur.sort();
                cur.dedup();
                text.push_str(&format!("      TASK TAGS: [{}]\n", cur.join(", ")));
            }
            // Like Display.display: a newline only when the text lacks one.
            print!("{text}");
        }
    }
    0
}

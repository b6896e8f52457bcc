//! Where one host is in a play: a stack of blocks, each in its block, rescue or always
//! section, as Ansible's PlayIterator keeps per host.

use std::sync::Arc;

use crate::playbook::model::{Block, Item, Task};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Block,
    Rescue,
    Always,
}

#[derive(Debug, Clone)]
struct Frame {
    block: Arc<Block>,
    /// Tasks inserted by includes run in a frame of their own, holding them here.
    section: Section,
    idx: usize,
    /// A failure that no rescue has handled; it propagates once `always` has run.
    failed: bool,
}

impl Frame {
    fn new(block: Arc<Block>) -> Self {
        Frame {
            block,
            section: Section::Block,
            idx: 0,
            failed: false,
        }
    }

    fn items(&self) -> &[Item] {
        match self.section {
            Section::Block => &self.block.block,
            Section::Rescue => &self.block.rescue,
            Section::Always => &self.block.always,
        }
    }
}

/// A host's position in the play.
#[derive(Debug, Clone)]
pub struct HostState {
    stack: Vec<Frame>,
    /// The host has failed and will run nothing more in this play.
    pub failed: bool,
    /// Roles (with their parameters) this host already ran in the play.
    roles_run: std::collections::HashSet<String>,
}

impl HostState {
    pub fn new(body: Arc<Block>) -> Self {
        HostState {
            stack: vec![Frame::new(body)],
            failed: false,
            roles_run: Default::default(),
        }
    }

    /// The task the host runs next, without moving.
    pub fn peek(&self) -> Option<Arc<Task>> {
        self.clone().advance()
    }

    /// Whether the host has nothing left to run because it failed.
    pub fn finished_failed(&self) -> bool {
        let mut probe = self.clone();
        probe.advance().is_none() && probe.failed
    }

    pub fn is_done(&self) -> bool {
        self.peek().is_none()
    }

    /// Move to the next task and return it.
    pub fn advance(&mut self) -> Option<Arc<Task>> {
        loop {
            let top = self.stack.last_mut()?;
            if top.idx < top.items().len() {
                let item = top.items()[top.idx].clone();
                top.idx += 1;
                match item {
                    Item::Task(t) => return Some(t),
                    // A role already run on this host is not run again.
                    Item::Block(b) => match &b.once_key {
                        Some(key) if !self.roles_run.insert(key.clone()) => {}
                        _ => self.stack.push(Frame::new(b)),
                    },
                }
                continue;
            }
            match top.section {
                Section::Block | Section::Rescue => {
                    top.section = Section::Always;
                    top.idx = 0;
                }
                Section::Always => {
                    let frame = self.stack.pop()?;
                    if frame.failed {
                        self.fail();
                    }
                }
            }
        }
    }

    /// The task just returned by `advance` failed: go to the innermost rescue, or run the
    /// always sections on the way out. Returns whether a rescue section now runs.
    pub fn fail(&mut self) -> bool {
        loop {
            let Some(top) = self.stack.last_mut() else {
                self.failed = true;
                return false;
            };
            match top.section {
                Section::Block if !top.block.rescue.is_empty() => {
                    top.section = Section::Rescue;
                    top.idx = 0;
                    return true;
                }
                Section::Block | Section::Rescue => {
                    top.section = Section::Always;
                    top.idx = 0;
                    top.failed = true;
                    return false;
                }
                Section::Always => {
                    // A failure in `always` ends the block: propagate outward.
                    self.stack.pop();
                }
            }
        }
    }

    /// Run `items` (from an include) next, then continue where the host was.
    pub fn insert(&mut self, block: Arc<Block>) {
        self.stack.push(Frame::new(block));
    }

    /// `meta: end_host` / `end_play`: nothing more for this host, without failing.
    pub fn end(&mut self) {
        self.stack.clear();
    }

    /// Whether the host is inside a rescue section.
    pub fn rescuing(&self) -> bool {
        self.stack.iter().any(|f| f.section == Section::Rescue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::keywords::Chain;
    use crate::playbook::model::Origin;
    use crate::vars::Map;

    fn task(id: usize) -> Item {
        Item::Task(Arc::new(Task {
            id,
            action_written: "debug".into(),
            action: "debug".into(),
            args: Map::new(),
            chain: Chain::default().push(Default::default()),
            role: None,
            origin: Origin {
                file: "x".into(),
                line: None,
                column: None,
            },
            is_handler: false,
            implicit: false,
        }))
    }

    fn block(id: usize, b: Vec<Item>, r: Vec<Item>, a: Vec<Item>) -> Arc<Block> {
        Arc::new(Block {
            id,
            block: b,
            rescue: r,
            always: a,
            once_key: None,
        })
    }

    #[test]
    fn failure_goes_to_rescue_then_always_then_continues() {
        let inner = block(1, vec![task(1), task(2)], vec![task(3)], vec![task(4)]);
        let root = block(0, vec![Item::Block(inner), task(5)], vec![], vec![]);
        let mut s = HostState::new(root);
        assert_eq!(s.advance().unwrap().id, 1);
        assert!(s.fail());
        assert_eq!(s.advance().unwrap().id, 3);
        assert_eq!(s.advance().unwrap().id, 4);
        assert_eq!(s.advance().unwrap().id, 5);
        assert!(s.advance().is_none());
        assert!(!s.failed);
    }

    #[test]
    fn unrescued_failure_runs_always_then_fails_the_host() {
        let inner = block(1, vec![task(1), task(2)], vec![], vec![task(4)]);
        let root = block(0, vec![Item::Block(inner), task(5)], vec![], vec![]);
        let mut s = HostState::new(root);
        assert_eq!(s.advance().unwrap().id, 1);
        assert!(!s.fail());
        assert_eq!(s.advance().unwrap().id, 4);
        assert!(s.advance().is_none());
        assert!(s.failed);
    }
}

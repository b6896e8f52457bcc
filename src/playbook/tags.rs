//! Which tasks `--tags` / `--skip-tags` select, with Ansible's special tags `always`,
//! `never`, `all`, `tagged` and `untagged`.

/// The tag selection of a run.
#[derive(Debug, Clone)]
pub struct TagFilter {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Default for TagFilter {
    fn default() -> Self {
        TagFilter {
            only: vec!["all".to_string()],
            skip: Vec::new(),
        }
    }
}

impl TagFilter {
    pub fn new(only: &[String], skip: &[String]) -> Self {
        let split = |v: &[String]| -> Vec<String> {
            v.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let only = split(only);
        TagFilter {
            only: if only.is_empty() {
                vec!["all".to_string()]
            } else {
                only
            },
            skip: split(skip),
        }
    }

    /// Whether a task with these (effective) tags runs.
    pub fn selects(&self, tags: &[String]) -> bool {
        let untagged = tags.is_empty();
        let has = |t: &str| tags.iter().any(|x| x == t);
        let any_in = |list: &[String]| tags.iter().any(|t| list.contains(t));
        let only_has = |t: &str| self.only.iter().any(|x| x == t);
        let mut run = has("always")
            || (only_has("all") && !has("never"))
            || any_in(&self.only)
            || (only_has("tagged") && !untagged && !has("never"))
            || (only_has("untagged") && untagged);
        if run && !self.skip.is_empty() {
            let skip_has = |t: &str| self.skip.iter().any(|x| x == t);
            if skip_has("all") {
                if !has("always") || skip_has("always") {
                    run = false;
                }
            } else if any_in(&self.skip)
                || (skip_has("tagged") && !untagged)
                || (skip_has("untagged") && untagged)
            {
                run = false;
            }
        }
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn never_runs_only_when_asked_and_always_unless_skipped() {
        let default = TagFilter::default();
        assert!(default.selects(&[]));
        assert!(!default.selects(&s(&["never", "debug"])));
        let debug = TagFilter::new(&s(&["debug"]), &[]);
        assert!(debug.selects(&s(&["never", "debug"])));
        assert!(debug.selects(&s(&["always"])));
        assert!(!debug.selects(&s(&["other"])));
        let skip_always = TagFilter::new(&[], &s(&["always"]));
        assert!(!skip_always.selects(&s(&["always"])));
        assert!(TagFilter::new(&s(&["untagged"]), &[]).selects(&[]));
    }
}

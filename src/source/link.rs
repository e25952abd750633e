//! Symbolic links under the registry root, resolved the same way for a working tree and for a
//! git tree: within the listing of the root, component by component as the kernel resolves
//! them, but without ever looking outside the root. A link that leads out (an absolute target,
//! or `..` above the root), in a loop, or to nothing is never followed.

use std::collections::{HashMap, VecDeque};

/// One entry of a listed root.
#[derive(Debug)]
pub(super) enum Node<T> {
    /// A regular file, with what its reader needs to read it.
    File(T),
    Dir,
    /// A symbolic link, with its target as written.
    Link(String),
    /// A FIFO, a socket or a device, named by what it is.
    Special(&'static str),
}

/// Where a symbolic link leads.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Resolved<'a> {
    /// A regular file inside the root, by its path.
    File(&'a str),
    /// A directory inside the root: its files are read where they are.
    Dir,
    /// A FIFO, a socket or a device inside the root.
    Special(&'static str),
    Escape,
    Loop,
    Dangling,
}

/// The most links followed to resolve one, as Linux's `MAXSYMLINKS`.
const MAX_HOPS: usize = 40;

/// Resolves the link at `link`, a key of `nodes` (paths relative to the root, `/`-separated).
pub(super) fn resolve<'a, T>(nodes: &'a HashMap<String, Node<T>>, link: &str) -> Resolved<'a> {
    let Some(Node::Link(target)) = nodes.get(link) else {
        return Resolved::Dangling;
    };
    let mut resolved: Vec<String> = link.split('/').map(str::to_owned).collect();
    resolved.pop();
    if target.starts_with('/') {
        return Resolved::Escape;
    }
    let mut queue: VecDeque<String> = target.split('/').map(str::to_owned).collect();
    let mut hops = 0;
    while let Some(segment) = queue.pop_front() {
        match segment.as_str() {
            "" | "." => {}
            ".." => {
                if resolved.pop().is_none() {
                    return Resolved::Escape;
                }
            }
            name => {
                resolved.push(name.to_owned());
                match nodes.get(&resolved.join("/")) {
                    None => return Resolved::Dangling,
                    Some(Node::Dir) => {}
                    Some(Node::File(_) | Node::Special(_)) => {
                        if !queue.is_empty() {
                            return Resolved::Dangling;
                        }
                    }
                    Some(Node::Link(next)) => {
                        hops += 1;
                        if hops > MAX_HOPS {
                            return Resolved::Loop;
                        }
                        resolved.pop();
                        if next.starts_with('/') {
                            return Resolved::Escape;
                        }
                        for segment in next.split('/').rev() {
                            queue.push_front(segment.to_owned());
                        }
                    }
                }
            }
        }
    }
    let path = resolved.join("/");
    if path.is_empty() {
        return Resolved::Dir;
    }
    match nodes.get_key_value(&path) {
        Some((key, Node::File(_))) => Resolved::File(key),
        Some((_, Node::Dir)) => Resolved::Dir,
        Some((_, Node::Special(kind))) => Resolved::Special(kind),
        _ => Resolved::Dangling,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{Node, Resolved, resolve};

    fn nodes(entries: &[(&str, Option<&str>)]) -> HashMap<String, Node<()>> {
        entries
            .iter()
            .map(|(path, link)| {
                let node = match link {
                    Some(target) => Node::Link((*target).to_owned()),
                    None if path.ends_with('/') => Node::Dir,
                    None if path.ends_with('|') => Node::Special("a FIFO"),
                    None => Node::File(()),
                };
                (path.trim_end_matches(['/', '|']).to_owned(), node)
            })
            .collect()
    }

    #[test]
    fn resolves_as_the_kernel_does_inside_the_root() {
        let tree = nodes(&[
            ("lib/", None),
            ("lib/a.libsonnet", None),
            ("lib/pipe|", None),
            ("services/", None),
            ("services/x.jsonnet", Some("../lib/a.libsonnet")),
            ("services/chain.jsonnet", Some("x.jsonnet")),
            ("services/dir", Some("../lib")),
            ("services/through.jsonnet", Some("dir/a.libsonnet")),
            ("services/dot.jsonnet", Some("./../lib/./a.libsonnet")),
            ("services/fifo.jsonnet", Some("../lib/pipe")),
            ("services/up", Some("..")),
        ]);
        let file = |path| resolve(&tree, path);
        assert_eq!(
            file("services/x.jsonnet"),
            Resolved::File("lib/a.libsonnet")
        );
        assert_eq!(
            file("services/chain.jsonnet"),
            Resolved::File("lib/a.libsonnet")
        );
        assert_eq!(file("services/dir"), Resolved::Dir);
        assert_eq!(
            file("services/through.jsonnet"),
            Resolved::File("lib/a.libsonnet")
        );
        assert_eq!(
            file("services/dot.jsonnet"),
            Resolved::File("lib/a.libsonnet")
        );
        assert_eq!(file("services/fifo.jsonnet"), Resolved::Special("a FIFO"));
        assert_eq!(file("services/up"), Resolved::Dir);
    }

    #[test]
    fn never_leaves_the_root() {
        let tree = nodes(&[
            ("services/", None),
            ("services/abs.jsonnet", Some("/etc/passwd")),
            ("services/up.jsonnet", Some("../../etc/passwd")),
            ("services/hop", Some("..")),
            ("services/via.jsonnet", Some("hop/../x")),
            ("services/next.jsonnet", Some("abs.jsonnet")),
        ]);
        for link in [
            "services/abs.jsonnet",
            "services/up.jsonnet",
            "services/via.jsonnet",
            "services/next.jsonnet",
        ] {
            assert_eq!(resolve(&tree, link), Resolved::Escape, "{link}");
        }
    }

    #[test]
    fn loops_and_dangling_links_are_told_apart() {
        let tree = nodes(&[
            ("a", Some("b")),
            ("b", Some("a")),
            ("self", Some("self")),
            ("deep", Some("self/x")),
            ("gone", Some("missing.jsonnet")),
            ("file", None),
            ("under-file", Some("file/x")),
        ]);
        assert_eq!(resolve(&tree, "a"), Resolved::Loop);
        assert_eq!(resolve(&tree, "self"), Resolved::Loop);
        assert_eq!(resolve(&tree, "deep"), Resolved::Loop);
        assert_eq!(resolve(&tree, "gone"), Resolved::Dangling);
        assert_eq!(resolve(&tree, "under-file"), Resolved::Dangling);
    }
}

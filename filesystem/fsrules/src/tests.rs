//! The rules on a small tree of their own (`cairn-memfs`'s tests cover
//! them again through tmpfs's tree, and the ext2 server's through a disk).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::access::{self, Ownership};
use crate::path::{self, Base};
use crate::{Access, Attributes, Caller, Denied, NodeType, Tree, ops};

/// A node: attributes, parent, entries, link target.
type ToyNode = (Attributes, usize, Vec<(String, usize)>, String);

/// Nodes by index.
struct Toy {
    nodes: Vec<ToyNode>,
}

const USER: Caller = Caller { uid: 1000, gid: 1000 };

fn attributes(kind: NodeType, mode: u16, uid: u32) -> Attributes {
    Attributes { kind, mode, uid, gid: uid, links: 1 }
}

impl Toy {
    /// `/`, `/home` (0755 root), `/home/u` (0700 user) with `f` and the
    /// link `up -> ../..`, `/tmp` (1777) with root's file `r`.
    fn new() -> Toy {
        let dir = |mode, uid| attributes(NodeType::Dir, mode, uid);
        Toy {
            nodes: Vec::from([
                (dir(0o755, 0), 0, Vec::from([("home".to_string(), 1), ("tmp".to_string(), 5)]), String::new()),
                (dir(0o755, 0), 0, Vec::from([("u".to_string(), 2)]), String::new()),
                (dir(0o700, 1000), 1, Vec::from([("f".to_string(), 3), ("up".to_string(), 4)]), String::new()),
                (attributes(NodeType::Other, 0o644, 1000), 2, Vec::new(), String::new()),
                (attributes(NodeType::Symlink, 0o777, 1000), 2, Vec::new(), "../..".to_string()),
                (dir(0o1777, 0), 0, Vec::from([("r".to_string(), 6)]), String::new()),
                (attributes(NodeType::Other, 0o666, 0), 5, Vec::new(), String::new()),
            ]),
        }
    }
}

impl Tree for Toy {
    type Id = usize;
    type Error = Denied;

    fn root(&self) -> usize {
        0
    }
    fn attributes(&mut self, id: usize) -> Result<Attributes, Denied> {
        self.nodes.get(id).map(|n| n.0).ok_or(Denied::NotFound)
    }
    fn child(&mut self, dir: usize, name: &str) -> Result<Option<usize>, Denied> {
        Ok(self.nodes[dir].2.iter().find(|(n, _)| n == name).map(|e| e.1))
    }
    fn parent(&mut self, dir: usize) -> Result<usize, Denied> {
        Ok(self.nodes[dir].1)
    }
    fn link_target(&mut self, id: usize) -> Result<String, Denied> {
        Ok(self.nodes[id].3.clone())
    }
    fn is_empty_dir(&mut self, dir: usize) -> Result<bool, Denied> {
        Ok(self.nodes[dir].2.is_empty())
    }
}

#[test]
fn permission_classes_and_root() {
    let file = attributes(NodeType::Other, 0o640, 1000);
    assert!(access::permits(&file, USER, Access::READ));
    assert!(access::permits(&file, Caller { uid: 7, gid: 1000 }, Access::READ));
    assert!(!access::permits(&file, Caller { uid: 7, gid: 1000 }, Access::WRITE));
    assert!(!access::permits(&file, Caller { uid: 7, gid: 7 }, Access::READ));
    assert!(access::permits(&file, Caller::ROOT, Access::WRITE));
    assert!(!access::permits(&file, Caller::ROOT, Access::EXECUTE));
}

#[test]
fn walks_check_search_and_confinement() {
    let mut toy = Toy::new();
    assert_eq!(path::lookup(&mut toy, Base::free(0), "/home/u/f", true, USER), Ok(3));
    let other = Caller { uid: 7, gid: 7 };
    assert_eq!(path::lookup(&mut toy, Base::free(0), "/home/u/f", true, other), Err(Denied::PermissionDenied));
    assert_eq!(path::lookup(&mut toy, Base::free(2), "up", true, USER), Ok(0));
    assert_eq!(path::lookup(&mut toy, Base::beneath(2), "up", true, USER), Err(Denied::Escape));
    assert_eq!(path::lookup(&mut toy, Base::beneath(2), "f", true, USER), Ok(3));
    assert_eq!(path::lookup(&mut toy, Base::beneath(2), "/home", true, USER), Err(Denied::Escape));
    assert_eq!(path::lookup(&mut toy, Base::free(0), "home/u/f/", true, USER), Err(Denied::NotDir));
}

#[test]
fn sticky_directories_and_ownership_rules() {
    let mut toy = Toy::new();
    assert_eq!(ops::unlink(&mut toy, Base::free(0), "/tmp/r", USER).map(|r| r.id), Err(Denied::NotPermitted));
    assert_eq!(ops::unlink(&mut toy, Base::free(0), "/tmp/r", Caller::ROOT).map(|r| r.id), Ok(6));
    let file = attributes(NodeType::Other, 0o2755, 1000);
    assert_eq!(access::chmod_mode(&file, 0o2755, Caller { uid: 1000, gid: 5 }), Ok(0o755));
    assert_eq!(access::chmod_mode(&file, 0o644, Caller { uid: 5, gid: 5 }), Err(Denied::NotPermitted));
    assert_eq!(access::chown_result(&file, Some(5), None, USER), Err(Denied::NotPermitted));
    let given = access::chown_result(&file, Some(5), None, Caller::ROOT);
    assert_eq!(given, Ok(Some(Ownership { uid: 5, gid: 1000, mode: 0o755 })));
}

#[test]
fn a_looping_parent_chain_ends() {
    let mut toy = Toy::new();
    toy.nodes[1].1 = 2;
    assert_eq!(path::is_ancestor(&mut toy, 0, 2), Ok(false));
}

//! Projects on disk: which `.proc` files compile together.
//!
//! A directory that holds a `procc.toml` is one project with every `.proc` file below it
//! (or only the files and folders its `include` names); any path inside it, file or
//! folder, stands for that whole project. Without a `procc.toml`, files named together
//! form one project, and in a directory walk the first directory on each path down that
//! directly holds `.proc` files is one project with everything below it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::files::{MANIFEST, Walk, read_text};
use super::{LoadError, LoadProblem};

/// A set of `.proc` files compiled together into one bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The files, in the order they are compiled (sorted by path within a directory).
    pub files: Vec<PathBuf>,
    /// The directory holding the project's `procc.toml`, if it has one.
    pub root: Option<PathBuf>,
    /// The `name` of its `procc.toml`, if it has one.
    pub name: Option<String>,
}

impl Project {
    /// A project of loose files, without a `procc.toml`.
    pub fn of_files(files: Vec<PathBuf>) -> Project {
        Project {
            files,
            root: None,
            name: None,
        }
    }
}

/// The contents of a `procc.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The project's name.
    pub name: String,
    /// The `.proc` files and folders that make the project, relative to the manifest's
    /// directory; when absent, every `.proc` file below it.
    #[serde(default)]
    pub include: Option<Vec<PathBuf>>,
}

/// Reads and checks `DIR/procc.toml`.
pub fn read_manifest(root: &Path) -> Result<Manifest, LoadError> {
    let path = root.join(MANIFEST);
    let text = read_text(&path)?;
    let manifest: Manifest = toml::from_str(&text)
        .map_err(|error| LoadError::new(&path, LoadProblem::Manifest(error)))?;
    if manifest.name.trim().is_empty() {
        return Err(LoadError::new(path, LoadProblem::EmptyName));
    }
    Ok(manifest)
}

/// The directory of the nearest `procc.toml` at or above `path` (a file or a folder).
pub fn find_root(path: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(path).ok()?;
    let start = if absolute.is_dir() {
        absolute.as_path()
    } else {
        absolute.parent()?
    };
    start
        .ancestors()
        .find(|dir| dir.join(MANIFEST).is_file())
        .map(Path::to_path_buf)
}

/// The project `path` belongs to, as every command sees it: the whole project of the
/// nearest `procc.toml` above it; without one, a file's directory walked as
/// `procc check DIR` would (the file's own project among them), or a directory's
/// projects joined. This is what an editor asks for the file it has open.
pub fn project_of(path: &Path) -> Result<Project, LoadError> {
    if let Some(root) = find_root(path) {
        return manifest_project(&root, &mut Walk::default());
    }
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let projects = discover(&[dir])?;
    let wanted = std::fs::canonicalize(path).ok();
    let found = projects.iter().find(|project| {
        project
            .files
            .iter()
            .any(|file| std::fs::canonicalize(file).ok() == wanted)
    });
    match found {
        Some(project) => Ok(project.clone()),
        None if path.is_dir() => Ok(Project::of_files(
            projects.into_iter().flat_map(|p| p.files).collect(),
        )),
        None => Ok(Project::of_files(vec![path.to_path_buf()])),
    }
}

/// Groups the command line's paths into projects.
///
/// A path inside a directory with a `procc.toml` (at any depth) stands for that whole
/// project. Otherwise files named on the command line form one project together, and a
/// directory is searched recursively: the first directory on each path down that holds
/// a `procc.toml` or directly holds `.proc` files is a project root, and everything
/// below it belongs to that project. Each directory is walked once, whatever symlinks
/// lead to it again.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Project>, LoadError> {
    let mut walk = Walk::default();
    let mut loose_files = Vec::new();
    let mut projects = Vec::new();
    let mut roots: Vec<PathBuf> = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .map_err(|error| LoadError::new(path, LoadProblem::Io(error)))?;
        if let Some(root) = find_root(path) {
            let index = match roots.iter().position(|known| *known == root) {
                Some(index) => index,
                None => {
                    walk.enter(&root);
                    projects.push(manifest_project(&root, &mut walk)?);
                    roots.push(root);
                    projects.len() - 1
                }
            };
            // A file named on the command line is compiled even when `include` leaves
            // it out: the author asked for it.
            if !metadata.is_dir() && walk.take_file(path) {
                projects[index].files.push(path.clone());
            }
        } else if metadata.is_dir() {
            if walk.enter(path) {
                collect_projects(path, &mut walk, &mut projects)?;
            }
        } else if walk.take_file(path) {
            loose_files.push(path.clone());
        }
    }
    if !loose_files.is_empty() {
        projects.insert(0, Project::of_files(loose_files));
    }
    Ok(projects)
}

/// The project of the `procc.toml` in `root` (already entered in `walk`).
fn manifest_project(root: &Path, walk: &mut Walk) -> Result<Project, LoadError> {
    let manifest = read_manifest(root)?;
    let mut files = Vec::new();
    match &manifest.include {
        None => collect_all_files(root, walk, &mut files)?,
        Some(includes) => {
            for include in includes {
                let path = root.join(include);
                let metadata = std::fs::metadata(&path).map_err(|source| {
                    let include = include.clone();
                    LoadError::new(
                        root.join(MANIFEST),
                        LoadProblem::Include { include, source },
                    )
                })?;
                if metadata.is_dir() {
                    if walk.enter(&path) {
                        collect_all_files(&path, walk, &mut files)?;
                    }
                } else if walk.take_file(&path) {
                    files.push(path);
                }
            }
        }
    }
    Ok(Project {
        files,
        root: Some(root.to_path_buf()),
        name: Some(manifest.name),
    })
}

fn collect_projects(
    dir: &Path,
    walk: &mut Walk,
    projects: &mut Vec<Project>,
) -> Result<(), LoadError> {
    let listing = walk.list(dir)?;
    if listing.manifest {
        projects.push(manifest_project(dir, walk)?);
        return Ok(());
    }
    let mut files: Vec<PathBuf> = listing
        .files
        .into_iter()
        .filter(|file| walk.take_file(file))
        .collect();
    if files.is_empty() {
        for subdir in listing.subdirs {
            collect_projects(&subdir, walk, projects)?;
        }
        return Ok(());
    }
    for subdir in listing.subdirs {
        collect_all_files(&subdir, walk, &mut files)?;
    }
    projects.push(Project::of_files(files));
    Ok(())
}

/// Every `.proc` file below `dir`, except in folders that hold their own `procc.toml`
/// (another project).
fn collect_all_files(dir: &Path, walk: &mut Walk, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let listing = walk.list(dir)?;
    out.extend(
        listing
            .files
            .into_iter()
            .filter(|file| walk.take_file(file)),
    );
    for subdir in listing.subdirs {
        if !subdir.join(MANIFEST).is_file() {
            collect_all_files(&subdir, walk, out)?;
        }
    }
    Ok(())
}

/// A note for errors that a missing `procc.toml` may explain: the paths made several
/// projects, or named files that may need the rest of their folder. `None` when there is
/// nothing to say (a single project with a `procc.toml`, say).
pub fn layout_hint(projects: &[Project]) -> Option<String> {
    if projects.iter().any(|project| project.root.is_some()) {
        return None;
    }
    let folders: Vec<String> = projects
        .iter()
        .filter_map(|project| project.files.first())
        .map(|file| {
            file.parent()
                .map_or_else(|| ".".to_string(), |dir| dir.display().to_string())
        })
        .collect();
    let how = "add a `procc.toml` with `name = \"...\"` to the folder that holds them all \
               (`procc init DIR` creates a project), and every command given any path in it \
               uses the whole project";
    if projects.len() > 1 {
        return Some(format!(
            "without a `procc.toml`, each folder that holds `.proc` files is its own project, \
             so these were checked as {} separate projects ({}); to check them as one, {how}",
            projects.len(),
            folders.join(", ")
        ));
    }
    let left_out = projects
        .iter()
        .flat_map(|project| nearby_files_left_out(&project.files))
        .next()?;
    Some(format!(
        "without a `procc.toml`, only the paths given are compiled, and {} was left out; \
         if these names are declared there, {how}",
        left_out.display()
    ))
}

/// A `.proc` file near `files` (in their folders, or in the folders beside them, as
/// `procs/` beside `tests/`) that is not among them.
fn nearby_files_left_out(files: &[PathBuf]) -> Option<PathBuf> {
    let included: Vec<PathBuf> = files
        .iter()
        .filter_map(|file| std::fs::canonicalize(file).ok())
        .collect();
    let mut folders: Vec<PathBuf> = Vec::new();
    for file in &included {
        let Some(dir) = file.parent() else { continue };
        folders.push(dir.to_path_buf());
        if let Some(up) = dir.parent()
            && let Ok(entries) = std::fs::read_dir(up)
        {
            folders.extend(
                entries
                    .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                    .filter(|path| path.is_dir()),
            );
        }
    }
    folders.sort();
    folders.dedup();
    folders.iter().find_map(|folder| {
        std::fs::read_dir(folder)
            .ok()?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "proc") && path.is_file())
            .find(|path| std::fs::canonicalize(path).is_ok_and(|path| !included.contains(&path)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, name: &str, text: &str) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(path, text).expect("a file");
    }

    fn names(project: &Project) -> Vec<String> {
        project
            .files
            .iter()
            .map(|file| {
                file.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn a_file_belongs_to_its_manifest_project_or_to_its_folder() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        write(root, "shop/procc.toml", "name = \"shop\"\n");
        write(root, "shop/procs/a.proc", "secret a\n");
        write(root, "shop/tests/t.proc", "secret t\n");
        write(root, "loose/x.proc", "secret x\n");
        write(root, "loose/y.proc", "secret y\n");
        let project = project_of(&root.join("shop/tests/t.proc")).expect("a project");
        assert_eq!(project.name.as_deref(), Some("shop"));
        assert_eq!(names(&project), ["a.proc", "t.proc"]);
        let project = project_of(&root.join("loose/x.proc")).expect("a project");
        assert_eq!(project.root, None);
        assert_eq!(names(&project), ["x.proc", "y.proc"]);
    }

    #[test]
    fn a_file_named_outside_the_include_list_is_still_compiled() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path();
        write(root, "procc.toml", "name = \"p\"\ninclude = [\"procs\"]\n");
        write(root, "procs/a.proc", "secret a\n");
        write(root, "scratch/b.proc", "secret b\n");
        let projects = discover(&[root.join("scratch/b.proc")]).expect("projects");
        assert_eq!(projects.len(), 1);
        assert_eq!(names(&projects[0]), ["a.proc", "b.proc"]);
    }
}

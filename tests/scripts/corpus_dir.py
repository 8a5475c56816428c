"""Where the third-party capture corpus is, found as the Rust tests find it
(tests/harness.rs): $WIRELENS_CORPUS when set; else ../shared/corpus beside the
repository; else, in a git worktree, ../shared/corpus beside the main working tree."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def corpus_dir():
    if os.environ.get("WIRELENS_CORPUS"):
        return os.environ["WIRELENS_CORPUS"]
    places = [os.path.join(os.path.dirname(ROOT), "shared", "corpus")]
    git = os.path.join(ROOT, ".git")
    if os.path.isfile(git):
        with open(git) as f:
            text = f.read().strip()
        if text.startswith("gitdir:"):
            # MAIN/.git/worktrees/NAME
            main = os.path.dirname(os.path.dirname(os.path.dirname(text[len("gitdir:"):].strip())))
            places.append(os.path.join(os.path.dirname(main), "shared", "corpus"))
    for p in places:
        if os.path.isfile(os.path.join(p, "MANIFEST.tsv")):
            return p
    return places[0]


CORPUS = corpus_dir()

"""Publishing into savedmodels/ without ever leaving it half written: the models are written
into a staging folder of this process, then swapped in under a lock (`merge_published`), so a
failed publish leaves the previous folder whole and two publishes of different models can run
at the same time."""

import os
import shutil
import tempfile

from tools.publish.cards import folder_bytes, index, summary
from tools.publish.runs import MODELS
from zoo.files import exclusive_lock, write_text


def locked(out):
    """Hold the lock of the published folder `out` (`<out>.publish.lock`) for a `with` block."""
    return exclusive_lock(out.rstrip("/") + ".publish.lock")


def publish(out, names, write_model):
    """Publish the models `names` into `out`, keeping its other models' folders;
    `write_model(name, staging)` writes one model's folder into `staging`.

    Each model is measured into a staging folder of this process only (beside `out`, removed
    at the end), then `merge_published` swaps them in: two publishes of different models may
    run at once, and both land."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staged = tempfile.mkdtemp(prefix=os.path.basename(out.rstrip("/")) + ".",
                              suffix=".staging.tmp", dir=parent)
    try:
        for name in names:
            write_model(name, staged)
        kept = merge_published(out, staged)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    total = folder_bytes(out)
    print(f"publish: wrote {out} ({total / 1e6:.1f} MB; republished {', '.join(names)}"
          f"{'; kept ' + ', '.join(kept) if kept else ''})", flush=True)
    return kept


def merge_published(out, staged, summarize=summary):
    """Swap the model folders in `staged` into `out` and rewrite its index; returns the names
    of the models kept from `out`.

    Under an exclusive lock on `<out>.publish.lock`: the models kept are those in `out` at
    the moment of the swap (also ones another publish added since this one started). The new
    `out` is assembled in a separate folder and renamed into place, so a failure at any point
    leaves the previous `out` whole."""
    out = out.rstrip("/")
    parent = os.path.dirname(os.path.abspath(out))
    new = sorted(os.listdir(staged))
    with locked(out):
        merged = tempfile.mkdtemp(prefix=os.path.basename(out) + ".", suffix=".merge.tmp",
                                  dir=parent)
        try:
            kept = [name for name in MODELS if name not in new
                    and os.path.isfile(os.path.join(out, name, "card.json"))]
            for name in kept:
                shutil.copytree(os.path.join(out, name), os.path.join(merged, name))
            for name in new:
                shutil.copytree(os.path.join(staged, name), os.path.join(merged, name))
            summaries = {name: summarize(os.path.join(merged, name)) for name in MODELS
                         if name in new or name in kept}
            write_text(os.path.join(merged, "README.md"), index(summaries))
            old = out + ".old.tmp"
            shutil.rmtree(old, ignore_errors=True)
            if os.path.exists(out):
                os.rename(out, old)
            os.rename(merged, out)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(merged, ignore_errors=True)
    return kept

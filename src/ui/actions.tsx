import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type HistoryEntry, type Status } from './api.ts';
import { isActive } from './format.ts';
import { may, type Session } from './session.ts';

/** An action waiting for its confirmation: what it will do, in words, and how. */
interface Pending {
  label: string;
  consequence: string;
  needsReason?: boolean;
  run: (reason: string) => Promise<unknown>;
}

/**
 * The buttons the signed-in user may use on this service, each behind a
 * confirmation that says what will happen. Buttons a role cannot use are
 * left out; the API checks every call anyway.
 */
export function Actions({ session, status, history, onDone }: { session: Session; status: Status; history: HistoryEntry[]; onDone: () => void }) {
  const { api, me } = session;
  const { environment, service, deployment } = status;
  const [pending, setPending] = useState<Pending | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [target, setTarget] = useState('');
  const canDeploy = may(me, 'deploy', environment);
  const canApprove = may(me, 'approve', environment);
  const active = isActive(status.phase) && deployment.finishedAt === null;
  const what = `deployment ${deployment.id} of ${service} in ${environment} (revision ${status.revision}, ${status.version})`;
  const rollbackTargets = history.filter((entry) => entry.outcome === 'Succeeded' && entry.revision !== status.stableRevision);
  const uniqueTargets = [...new Map(rollbackTargets.map((entry) => [entry.revision, entry])).values()].sort((a, b) => b.revision - a.revision);

  const buttons = [];
  if (canDeploy && status.phase === 'Paused') {
    buttons.push({
      id: 'promote',
      label: 'Promote',
      pending: { label: 'Promote', consequence: `Continue ${what} past its pause at step ${status.step.index + 1}/${status.step.total} (${status.step.current ?? 'pause'}).`, run: () => api.promote(environment, service, false) },
    });
  }
  // What `cutover promote --full` does, through the same call: the rest of the plan becomes the shortest way to 100%.
  const left = status.step.total - status.step.index;
  if (canDeploy && active && status.phase !== 'AwaitingApproval' && left > 0) {
    buttons.push({
      id: 'promote-full',
      label: 'Promote to the end',
      pending: {
        label: 'Promote to the end',
        consequence: `Take ${what} straight to 100%: its ${left} remaining step(s) become the shortest way there, skipping every pause and analysis (an approval still needs its approver). Recorded in the audit log.`,
        run: () => api.promote(environment, service, true),
      },
    });
  }
  if (canDeploy && active) {
    buttons.push({
      id: 'abort',
      label: 'Abort',
      pending: { label: 'Abort', consequence: `Stop ${what}: all traffic goes back to revision ${status.stableRevision ?? 'the stable one'} and the new instances are stopped.`, run: () => api.abort(environment, service) },
    });
  }
  if (canApprove && status.phase === 'AwaitingApproval') {
    buttons.push({
      id: 'approve',
      label: 'Approve',
      pending: { label: 'Approve', consequence: `Approve ${what} (by ${deployment.author}): it goes on with its next step, and you are recorded as its approver.`, run: () => api.approve(deployment.id) },
    });
    buttons.push({
      id: 'reject',
      label: 'Reject',
      pending: { label: 'Reject', consequence: `Reject ${what}: it is stopped and rolled back. Say why; the author sees your reason.`, needsReason: true, run: (reason: string) => api.reject(deployment.id, reason) },
    });
  }

  const confirm = async (reason: string) => {
    const action = pending!;
    setPending(null);
    try {
      await action.run(reason);
      setResult({ ok: true, text: `${action.label}: done.` });
    } catch (failure) {
      setResult({ ok: false, text: `${action.label} was refused: ${failure instanceof ApiError ? failure.message : String(failure)}` });
    }
    onDone();
  };

  if (!buttons.length && !(canDeploy && !active && uniqueTargets.length)) return result ? <Result result={result} /> : null;
  return (
    <section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="buttons">
        {buttons.map((button) => (
          <button type="button" key={button.id} data-action={button.id} class={button.id === 'abort' || button.id === 'reject' ? 'danger' : ''} onClick={() => setPending(button.pending)}>
            {button.label}
          </button>
        ))}
        {canDeploy && !active && uniqueTargets.length > 0 && (
          <span class="rollback">
            <label for="rollback-to">Roll back to</label>
            <select id="rollback-to" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
              <option value="">choose a revision</option>
              {uniqueTargets.map((entry) => (
                <option key={entry.revision} value={String(entry.revision)}>
                  r{entry.revision} · {entry.version} · sha256:{entry.digest.slice(0, 12)}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-action="rollback"
              disabled={!target}
              onClick={() => {
                const entry = uniqueTargets.find((e) => String(e.revision) === target)!;
                setPending({
                  label: 'Roll back',
                  consequence: `Deploy revision ${entry.revision} (${entry.version}, sha256:${entry.digest.slice(0, 12)}) of ${service} in ${environment} in place of revision ${status.stableRevision ?? status.revision}.`,
                  run: () => api.rollback(environment, service, entry.revision),
                });
              }}
            >
              Roll back
            </button>
          </span>
        )}
      </div>
      {result && <Result result={result} />}
      {pending && <Confirm pending={pending} onCancel={() => setPending(null)} onConfirm={confirm} />}
    </section>
  );
}

function Result({ result }: { result: { ok: boolean; text: string } }) {
  return (
    <p role={result.ok ? 'status' : 'alert'} class={result.ok ? 'ok' : 'error'} data-testid="action-result">
      {result.text}
    </p>
  );
}

/** A modal dialog (focus stays in it, Escape cancels) naming what the action will do. */
function Confirm({ pending, onCancel, onConfirm }: { pending: Pending; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  // Before the browser paints, not after: a key pressed while the dialog is
  // drawn but not yet modal would otherwise reach the page behind it.
  useLayoutEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    // onClose too: Chromium may close a modal dialog on Escape without a cancel
    // event (its close-watcher rules on user activation); the pending action
    // must be dropped however the dialog closed. Confirming unmounts it instead,
    // which fires no close event.
    <dialog ref={dialog} aria-labelledby="confirm-title" aria-describedby="confirm-text" onCancel={onCancel} onClose={onCancel} data-testid="confirm">
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(reason.trim());
        }}
      >
        <h2 id="confirm-title">{pending.label}?</h2>
        <p id="confirm-text">{pending.consequence}</p>
        {pending.needsReason && (
          <>
            <label for="reason">Reason</label>
            <textarea id="reason" required maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </>
        )}
        <div class="buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="primary" data-action="confirm">
            {pending.label}
          </button>
        </div>
      </form>
    </dialog>
  );
}

import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { assignOrder } from '../assign-menu.tsx';
import { toast, useConsole, useStore } from '../console-context.ts';
import { useI18n } from '../i18n.ts';
import { Icon } from '../icons.tsx';
import type { Agent } from '../types.ts';
import { Avatar, errorText, Field, Spinner } from '../ui.tsx';
import { AdminSectionFrame } from './admin-section.tsx';

export function AgentsAdmin() {
  const { t } = useI18n();
  const agents = useConsole((s) => s.agents);
  const meId = useConsole((s) => s.me.id);
  const conversations = useConsole((s) => s.conversations);
  const [adding, setAdding] = useState(false);
  const list = assignOrder(Object.values(agents), meId);
  const load: Record<string, number> = {};
  for (const c of Object.values(conversations)) {
    if (c.status === 'assigned' && c.assigneeId) load[c.assigneeId] = (load[c.assigneeId] ?? 0) + 1;
  }

  return (
    <AdminSectionFrame
      title={t('admin.agents')}
      intro={t('agents.intro')}
      actions={
        <button
          type="button"
          className="button primary"
          onClick={() => setAdding(true)}
          data-testid="agent-add"
        >
          <Icon name="plus" />
          {t('agents.add')}
        </button>
      }
    >
      {adding && <AddAgentForm onDone={() => setAdding(false)} />}
      <div className="card table-card">
        <table className="table" data-testid="agents-table">
          <thead>
            <tr>
              <th>{t('agents.name')}</th>
              <th>{t('agents.status')}</th>
              <th>{t('agents.role')}</th>
              <th title={t('agents.capacityHint')}>{t('agents.capacity')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((agent) => (
              <AgentRow key={agent.id} agent={agent} isMe={agent.id === meId} open={load[agent.id] ?? 0} />
            ))}
          </tbody>
        </table>
      </div>
    </AdminSectionFrame>
  );
}

function AgentRow({ agent, isMe, open }: { agent: Agent; isMe: boolean; open: number }) {
  const { t } = useI18n();
  const store = useStore();
  const [capacity, setCapacity] = useState(String(agent.maxConcurrent));
  const [saving, setSaving] = useState(false);
  const status = agent.status ?? 'offline';

  const save = async (patch: Partial<Pick<Agent, 'role' | 'maxConcurrent'>>) => {
    setSaving(true);
    try {
      const { agent: updated } = await api.updateAgent(agent.id, patch);
      store.upsertAgent(updated);
      toast({ text: t('common.saved'), tone: 'success' }, 1500);
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
      setCapacity(String(agent.maxConcurrent));
    } finally {
      setSaving(false);
    }
  };

  return (
    <tr data-testid="agent-row" data-agent-id={agent.id}>
      <td>
        <div className="agent-cell">
          <Avatar id={agent.id} name={agent.name} size={32} presence={status} />
          <div>
            <div className="agent-name">{isMe ? t('conv.me', { name: agent.name }) : agent.name}</div>
            <div className="muted small">{agent.email}</div>
          </div>
        </div>
      </td>
      <td>
        <span className={`presence-label ${status}`}>
          <span className={`presence-dot inline ${status}`} />
          {status === 'online'
            ? t('header.online')
            : status === 'away'
              ? t('header.away')
              : t('agents.offline')}
        </span>
      </td>
      <td>
        <select
          value={agent.role}
          disabled={saving || isMe}
          onChange={(e) => save({ role: e.target.value as Agent['role'] })}
          aria-label={t('agents.role')}
          data-testid="agent-role"
        >
          <option value="agent">{t('agents.roleAgent')}</option>
          <option value="admin">{t('agents.roleAdmin')}</option>
        </select>
      </td>
      <td>
        <div className="capacity-cell">
          <input
            type="number"
            min={0}
            max={1000}
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
            onBlur={() => {
              const value = Number(capacity);
              if (Number.isInteger(value) && value >= 0 && value !== agent.maxConcurrent)
                save({ maxConcurrent: value });
              else setCapacity(String(agent.maxConcurrent));
            }}
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
            aria-label={t('agents.capacity')}
            className="capacity-input"
            data-testid="agent-capacity"
          />
          <span className="load-bar" title={`${open}/${agent.maxConcurrent}`}>
            <span style={{ width: `${Math.min(100, (open / Math.max(1, agent.maxConcurrent)) * 100)}%` }} />
          </span>
          <span className="muted small">{open}</span>
          {saving && <Spinner size={12} />}
        </div>
      </td>
    </tr>
  );
}

function AddAgentForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const store = useStore();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Agent['role']>('agent');
  const [capacity, setCapacity] = useState('5');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { agent } = await api.createAgent({
        name: name.trim(),
        email: email.trim(),
        password,
        role,
        maxConcurrent: Number(capacity) || 0,
      });
      store.upsertAgent(agent);
      toast({ text: t('agents.added', { name: agent.name }), tone: 'success' });
      onDone();
    } catch (error) {
      toast({ text: errorText(t, error), tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form-card" onSubmit={submit} data-testid="agent-form">
      <div className="form-grid">
        <Field label={t('agents.name')}>
          <input required value={name} onChange={(e) => setName(e.target.value)} data-testid="agent-name" />
        </Field>
        <Field label={t('agents.email')}>
          <input
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="agent-email"
          />
        </Field>
        <Field label={t('agents.password')}>
          <input
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="agent-password"
          />
        </Field>
        <Field label={t('agents.role')}>
          <select value={role} onChange={(e) => setRole(e.target.value as Agent['role'])}>
            <option value="agent">{t('agents.roleAgent')}</option>
            <option value="admin">{t('agents.roleAdmin')}</option>
          </select>
        </Field>
        <Field label={t('agents.capacity')} hint={t('agents.capacityHint')}>
          <input
            type="number"
            min={0}
            max={1000}
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
        </Field>
      </div>
      <div className="form-actions">
        <button type="button" className="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={busy} data-testid="agent-submit">
          {busy && <Spinner size={12} />}
          {t('agents.add')}
        </button>
      </div>
    </form>
  );
}

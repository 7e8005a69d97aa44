import { useI18n } from '../i18n.ts';
import { Icon, type IconName } from '../icons.tsx';
import { type AdminSection, navigate } from '../router.ts';
import { AdminSectionFrame } from './admin-section.tsx';
import { AgentsAdmin } from './agents-admin.tsx';
import { BotAdmin } from './bot-admin.tsx';
import { CannedAdmin } from './canned-admin.tsx';
import { KnowledgeAdmin } from './knowledge-admin.tsx';
import { ReportsAdmin } from './reports-admin.tsx';
import { WebhooksAdmin } from './webhooks-admin.tsx';
import { WidgetAdmin } from './widget-admin.tsx';

const SECTIONS: readonly {
  id: AdminSection;
  icon: IconName;
  label:
    | 'admin.agents'
    | 'admin.kb'
    | 'admin.bot'
    | 'admin.widget'
    | 'admin.canned'
    | 'admin.webhooks'
    | 'admin.reports';
  adminOnly: boolean;
}[] = [
  { id: 'reports', icon: 'chart', label: 'admin.reports', adminOnly: true },
  { id: 'agents', icon: 'users', label: 'admin.agents', adminOnly: true },
  { id: 'kb', icon: 'book', label: 'admin.kb', adminOnly: true },
  { id: 'bot', icon: 'sparkles', label: 'admin.bot', adminOnly: true },
  { id: 'widget', icon: 'message', label: 'admin.widget', adminOnly: true },
  { id: 'canned', icon: 'zap', label: 'admin.canned', adminOnly: false },
  { id: 'webhooks', icon: 'webhook', label: 'admin.webhooks', adminOnly: true },
];

export default function AdminPage({
  section,
  item,
  isAdmin,
}: {
  section: AdminSection;
  /** An article to open (`admin/kb/<id>`). */
  item?: string | undefined;
  isAdmin: boolean;
}) {
  const { t } = useI18n();
  const current = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0]!;
  const allowed = isAdmin || !current.adminOnly;
  return (
    <div className="admin-page">
      <nav className="admin-nav" aria-label={t('admin.title')}>
        <div className="admin-nav-title">{t('admin.title')}</div>
        {SECTIONS.map((s) => (
          <button
            key={s.id}
            type="button"
            className={s.id === section ? 'admin-nav-item active' : 'admin-nav-item'}
            onClick={() => navigate({ name: 'admin', section: s.id })}
            data-testid={`admin-nav-${s.id}`}
          >
            <Icon name={s.icon} />
            {t(s.label)}
            {s.adminOnly && !isAdmin && <Icon name="lock" size={12} className="admin-nav-lock" />}
          </button>
        ))}
      </nav>
      <div className={`admin-content${section === 'kb' || section === 'reports' ? ' wide' : ''}`}>
        {!allowed ? (
          <AdminSectionFrame title={t(current.label)}>
            <div className="notice">
              <Icon name="lock" />
              {t('admin.adminOnly')}
            </div>
          </AdminSectionFrame>
        ) : section === 'agents' ? (
          <AgentsAdmin />
        ) : section === 'kb' ? (
          <KnowledgeAdmin articleId={item} />
        ) : section === 'reports' ? (
          <ReportsAdmin />
        ) : section === 'bot' ? (
          <BotAdmin />
        ) : section === 'widget' ? (
          <WidgetAdmin />
        ) : section === 'canned' ? (
          <CannedAdmin isAdmin={isAdmin} />
        ) : (
          <WebhooksAdmin />
        )}
      </div>
    </div>
  );
}

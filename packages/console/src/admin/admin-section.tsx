import type { ReactNode } from 'react';
import { Icon } from '../icons.tsx';

export function AdminSectionFrame({
  title,
  intro,
  actions,
  children,
}: {
  title: string;
  intro?: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="admin-section">
      <div className="admin-section-head">
        <div>
          <h1>{title}</h1>
          {intro && <p className="admin-intro">{intro}</p>}
        </div>
        {actions && <div className="admin-section-actions">{actions}</div>}
      </div>
      {children}
    </div>
  );
}

export function Unavailable({ text }: { text: string }) {
  return (
    <div className="notice warn" data-testid="unavailable">
      <Icon name="zap" />
      {text}
    </div>
  );
}

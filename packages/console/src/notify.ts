/** Desktop notifications (Notification API): permission asked once, shown when the tab is hidden. */

const ASKED_KEY = 'unique-support.console.notifications-asked';

export type NotificationState = 'granted' | 'denied' | 'default' | 'unsupported';

export function notificationState(): NotificationState {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission;
}

function asked(): boolean {
  try {
    return localStorage.getItem(ASKED_KEY) === '1';
  } catch {
    return true;
  }
}

/** Asks for permission, at most once per browser unless `force` (the bell in the header). */
export async function askNotificationPermission(force = false): Promise<NotificationState> {
  const state = notificationState();
  if (state !== 'default' || (!force && asked())) return state;
  try {
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // ignore
  }
  try {
    return await Notification.requestPermission();
  } catch {
    return notificationState();
  }
}

export function desktopNotify(options: {
  title: string;
  body: string;
  tag: string;
  onClick?: () => void;
}): boolean {
  if (notificationState() !== 'granted') return false;
  try {
    const notification = new Notification(options.title, {
      body: options.body,
      tag: options.tag,
      icon: `${import.meta.env.BASE_URL}favicon.svg`,
    });
    notification.onclick = () => {
      window.focus();
      options.onClick?.();
      notification.close();
    };
    return true;
  } catch {
    return false;
  }
}

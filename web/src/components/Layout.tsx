import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { hasRole, useAuth } from '../auth/AuthContext';
import { useTheme } from '../hooks';
import { useSocketState } from '../live/LiveContext';
import { AlertsIndicator, Toasts } from './Alerts';

const NAV: { to: string; label: string; end?: boolean; not?: string }[] = [
  { to: '/', label: 'Dashboard', end: true },
  // Its pages are under /cameras, but Video analysis has its own entry.
  { to: '/cameras', label: 'Cameras', not: '/cameras/videos' },
  // Analysing a recorded clip is its own task, not a camera's: it gets its own entry.
  { to: '/cameras/videos', label: 'Video analysis' },
  { to: '/persons', label: 'Persons' },
  { to: '/events', label: 'Events' },
  { to: '/attendance', label: 'Attendance' },
  { to: '/system', label: 'System' },
];

export function Layout() {
  const { user, logout } = useAuth();
  const { theme, toggle } = useTheme();
  const nav = useNavigate();
  const ws = useSocketState();
  const { pathname } = useLocation();
  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand" aria-label="Argus">◉ Argus</span>
        <nav aria-label="Main" className="mainnav">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end || (n.not !== undefined && pathname.startsWith(n.not))}>
                  {n.label}
                </NavLink>
              </li>
            ))}
            {hasRole(user, 'admin') && (
              <>
                <li><NavLink to="/system/users">Users</NavLink></li>
                <li><NavLink to="/system/audit">Audit</NavLink></li>
              </>
            )}
          </ul>
        </nav>
        <div className="userbox">
          <span className={`ws-dot ws-${ws}`} title={`Live connection: ${ws}`} aria-label={`Live connection ${ws}`} role="img" />
          <AlertsIndicator />
          <button type="button" onClick={toggle} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} aria-pressed={theme === 'light'}>
            {theme === 'dark' ? '☀ Light' : '☾ Dark'}
          </button>
          <span className="who">
            {user?.username} <small>({user?.role})</small>
          </span>
          <button
            type="button"
            onClick={async () => {
              await logout();
              nav('/login', { replace: true });
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <Toasts />
    </div>
  );
}

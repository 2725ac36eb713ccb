import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider, RequireAuth, RequireRole, useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { LiveProvider } from './live/LiveContext';
import { AlertsProvider } from './live/AlertsContext';
import { LoginPage } from './pages/LoginPage';
import { DashboardPage } from './pages/DashboardPage';
import { CameraViewPage } from './pages/CameraViewPage';
import { CamerasPage } from './pages/CamerasPage';
import { VideoJobsPage } from './pages/VideoJobsPage';
import { PersonsPage } from './pages/PersonsPage';
import { EventsPage } from './pages/EventsPage';
import { SystemPage, UsersPage, AuditPage } from './pages/SystemPage';

// Recharts is big: load the attendance page on demand.
const AttendancePage = lazy(() => import('./pages/AttendancePage'));

function Shell() {
  const { user } = useAuth();
  // Remount the live socket per signed-in user.
  return (
    <RequireAuth>
      <LiveProvider key={user?.id ?? 'anon'}>
        <AlertsProvider>
          <Layout />
        </AlertsProvider>
      </LiveProvider>
    </RequireAuth>
  );
}

export function App() {
  return (
    <AuthProvider>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route element={<Shell />}>
            <Route index element={<DashboardPage />} />
            <Route path="cameras" element={<CamerasPage />} />
            <Route path="cameras/videos" element={<VideoJobsPage />} />
            <Route path="cameras/:id" element={<CameraViewPage />} />
            <Route path="persons" element={<PersonsPage />} />
            <Route path="events" element={<EventsPage />} />
            <Route path="attendance" element={<AttendancePage />} />
            <Route path="system" element={<SystemPage />} />
            <Route path="system/users" element={<RequireRole role="admin"><UsersPage /></RequireRole>} />
            <Route path="system/audit" element={<RequireRole role="admin"><AuditPage /></RequireRole>} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Route>
        </Routes>
      </Suspense>
    </AuthProvider>
  );
}

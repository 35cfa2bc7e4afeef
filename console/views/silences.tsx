/** Maintenance windows: active and upcoming ones with who and why, a form to create one, and expiring. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { parseCountyTime } from '../county-time.ts';
import { formatTime } from '../i18n.ts';
import { useConsole } from '../state.ts';
import type { Silence } from '../types.ts';

export function SilencesView() {
  const state = useConsole();
  const { words, catalog, language } = state;
  const [silences, setSilences] = useState<Silence[]>([]);
  const [error, setError] = useState<string | undefined>();
  const blank = { site: '', village: '', starts: '', hours: '4', reason: '' };
  const [form, setForm] = useState(blank);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const load = () => api<{ silences: Silence[] }>('/api/silences?state=all').then((a) => (setSilences(a.silences), setError(undefined)), (e: Error) => setError(e.message));
  useEffect(() => void load(), []);
  const now = state.now;
  const shown = silences.filter((s) => (s.expiredAt ?? s.endsAt) > now).sort((a, b) => a.startsAt - b.startsAt);
  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!form.site && !form.village) found.site = `${words.village} / site`;
    if (!(Number(form.hours) > 0 && Number(form.hours) <= 720)) found.hours = `${words.hours}: 1 – 720`;
    const startsAt = form.starts.trim() === '' ? undefined : parseCountyTime(form.starts, catalog.county.timeZone);
    if (form.starts.trim() !== '' && startsAt === undefined) found.starts = words.startsInvalid;
    if (form.reason.trim() === '') found.reason = words.reasonRequired;
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    try {
      await api('/api/silences', { method: 'POST', body: { ...(form.site && { site: form.site }), ...(form.village && { village: form.village }), ...(startsAt !== undefined && { startsAt }), duration: `${Number(form.hours)}h`, reason: form.reason.trim() } });
      setForm(blank);
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? `${words.refused} (${e.status}): ${e.message}` : String(e));
    }
  };
  const expire = async (id: number) => {
    try {
      await api(`/api/silences/${id}/expire`, { method: 'POST', body: {} });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? `${words.refused} (${e.status}): ${e.message}` : String(e));
    }
  };
  const field = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  return (
    <section class="silences" aria-label={words.silences}>
      <h2>{words.silences}</h2>
      {error && <p class="error">{error}</p>}
      <table>
        {shown.map((s) => (
          <tr data-silence={s.id}>
            <td>{s.active ? words.active : words.upcoming}</td>
            <td>{[s.site, s.village, s.ruleId, s.device].filter(Boolean).join(' · ')}</td>
            <td>
              {formatTime(s.startsAt, language, catalog.county.timeZone)} – {formatTime(s.endsAt, language, catalog.county.timeZone)}
            </td>
            <td>
              {words.by} {s.createdBy}: {s.reason}
            </td>
            <td>{state.me.canWrite && <button type="button" onClick={() => void expire(s.id)}>{words.expire}</button>}</td>
          </tr>
        ))}
      </table>
      {state.me.canWrite && (
        <form class="new-silence" onSubmit={submit} noValidate>
          <h3>{words.newSilence}</h3>
          <label>
            site
            <select name="site" value={form.site} onChange={field('site')}>
              <option value="" />
              {catalog.sites.map((s) => (
                <option value={s.id}>{s.name}</option>
              ))}
            </select>
          </label>
          <label>
            {words.village}
            <select name="village" value={form.village} onChange={field('village')}>
              <option value="" />
              {catalog.villages.map((v) => (
                <option value={v.id}>{v.name}</option>
              ))}
            </select>
          </label>
          {problems.site && <p class="field-error">{problems.site}</p>}
          <label>
            {words.starts}
            <input name="starts" placeholder="YYYY-MM-DD HH:MM" value={form.starts} onInput={field('starts')} />
          </label>
          {problems.starts && <p class="field-error">{problems.starts}</p>}
          <label>
            {words.hours}
            <input name="hours" inputMode="numeric" value={form.hours} onInput={field('hours')} />
          </label>
          {problems.hours && <p class="field-error">{problems.hours}</p>}
          <label>
            {words.reason}
            <input name="reason" value={form.reason} onInput={field('reason')} />
          </label>
          {problems.reason && <p class="field-error">{problems.reason}</p>}
          <button type="submit">{words.submit}</button>
        </form>
      )}
    </section>
  );
}

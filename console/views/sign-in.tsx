/**
 * Sign-in: the API's bearer token, entered once and kept for the session (sessionStorage, never
 * in a URL). "Read only" appears only when the server lets anyone read without a token.
 */
import { useState } from 'preact/hooks';
import type { Words } from '../i18n.ts';

export function SignIn(props: { words: Words; problem: string | undefined; anonymousAllowed: boolean; busy: boolean; switchLanguage(): void; signIn(token: string | null): void }) {
  const { words } = props;
  const [token, setToken] = useState('');
  const [missing, setMissing] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    if (token.trim() === '') return setMissing(true);
    setMissing(false);
    props.signIn(token.trim());
  };
  return (
    <main class="sign-in">
      <h1>{words.appTitle}</h1>
      <form onSubmit={submit} noValidate>
        <label>
          {words.tokenLabel}
          <input name="token" type="password" autocomplete="current-password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>
        <p class="hint">{words.tokenHint}</p>
        {missing && <p class="field-error">{words.tokenMissing}</p>}
        {props.problem && <p class="error">{props.problem}</p>}
        <button type="submit" class="submit" disabled={props.busy}>
          {words.signIn}
        </button>
        {props.anonymousAllowed && (
          <button type="button" class="anonymous" onClick={() => props.signIn(null)}>
            {words.continueAnonymous}
          </button>
        )}
      </form>
      <button type="button" class="language" onClick={props.switchLanguage}>
        {words.language}
      </button>
    </main>
  );
}

/** The widget's look, inside its shadow root: the host page's styles do not reach in, and these do not leak out. */
export const styles = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.launcher { position: fixed; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; border: 0; color: #fff; cursor: pointer;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; z-index: 2147483000; }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.right { right: 20px; } .left { left: 20px; }
.panel { position: fixed; bottom: 88px; width: 360px; max-width: calc(100vw - 24px); height: 520px; max-height: calc(100vh - 110px);
  background: #fff; color: #1f2933; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); display: flex; flex-direction: column;
  overflow: hidden; z-index: 2147483000; font-size: 14px; }
.panel[hidden] { display: none; }
header { color: #fff; padding: 12px 14px; display: flex; align-items: center; gap: 10px; }
header h2 { font-size: 16px; margin: 0; flex: 1; font-weight: 600; }
header button { background: transparent; border: 0; color: inherit; font-size: 20px; cursor: pointer; }
.avatar { width: 30px; height: 30px; border-radius: 50%; background: rgba(255,255,255,.3); display: flex; align-items: center; justify-content: center; font-weight: 600; font-size: 13px; }
.notice { background: #fff7e6; color: #5c3c00; padding: 8px 12px; font-size: 13px; }
.notice form { display: flex; gap: 6px; margin-top: 6px; }
.notice[hidden], .typing[hidden], .form[hidden], .composer[hidden] { display: none; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 6px; background: #f7f8fa; }
.greeting { color: #52606d; font-size: 13px; padding: 4px 2px 8px; white-space: pre-wrap; }
.message { max-width: 80%; padding: 8px 10px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }
.message.in { align-self: flex-end; color: #fff; border-bottom-right-radius: 4px; }
.message.out { align-self: flex-start; background: #fff; border: 1px solid #e4e7eb; border-bottom-left-radius: 4px; }
.author { font-size: 11px; color: #52606d; margin-bottom: 2px; }
.meta { font-size: 11px; opacity: .75; margin-top: 2px; text-align: right; }
.message a { color: inherit; text-decoration: underline; }
.typing { font-size: 12px; color: #52606d; padding: 0 12px 4px; }
.composer { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e4e7eb; align-items: flex-end; }
textarea { flex: 1; resize: none; border: 1px solid #cbd2d9; border-radius: 8px; padding: 8px; font-size: 14px; min-height: 38px; max-height: 120px; }
input[type=text], input[type=email] { border: 1px solid #cbd2d9; border-radius: 8px; padding: 8px; font-size: 14px; width: 100%; }
.icon { border: 0; background: transparent; cursor: pointer; padding: 6px; color: #52606d; font-size: 18px; }
.primary { border: 0; border-radius: 8px; color: #fff; padding: 8px 12px; cursor: pointer; font-size: 14px; }
.form { padding: 16px; display: flex; flex-direction: column; gap: 10px; }
.form p { margin: 0; color: #52606d; }
:focus-visible { outline: 2px solid #1f2933; outline-offset: 2px; }
`;

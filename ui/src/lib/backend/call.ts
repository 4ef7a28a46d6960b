// The one place that talks to the Tauri shell. The generated client (`generated.ts`) calls
// this; a failure arrives as a thrown `ApiError` ({code, message, template, params, field?}), never
// a bare string.
import { invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./generated";

/** Whether a thrown value is an error from tend-core. */
export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

let sessionLost: ((e: ApiError) => void) | null = null;

/** Who to tell when tend-core ends the session by itself (the idle lock, an account disabled). */
export function onSessionLost(f: ((e: ApiError) => void) | null) {
  sessionLost = f;
}

export async function call<R>(command: string, args: Record<string, unknown> = {}): Promise<R> {
  try {
    return await invoke<R>(command, args);
  } catch (e) {
    if (isApiError(e)) {
      if (e.code === "session_locked" || e.code === "session_ended") sessionLost?.(e);
      throw e;
    }
    // The shell refused before tend-core ran (an argument the UI got wrong): still an ApiError.
    const text = String(e);
    throw { code: "internal", message: text, template: "{text}", params: { text } } satisfies ApiError;
  }
}

// ffmpeg and ffprobe as the user's settings name them (else found on PATH), for every command
// that decodes clips. Callers check workspace trust first: the paths may come from workspace
// settings, and Restricted Mode runs no workspace-configured executable.

import * as vscode from 'vscode';
import { locateMediaTools, MediaToolError, type MediaTools } from '../media/ffmpeg';
import { SECTION } from './settings';

export function mediaToolsFromSettings(): MediaTools {
  const config = vscode.workspace.getConfiguration(SECTION);
  const tool = (key: string) => (config.get<string>(key, '') ?? '').trim() || undefined;
  try {
    return locateMediaTools({ ffmpeg: tool('ffmpegPath'), ffprobe: tool('ffprobePath') });
  } catch (e) {
    if (e instanceof MediaToolError) throw new Error(`${e.message} (or set omnitrace.ffmpegPath / omnitrace.ffprobePath in your user settings)`);
    throw e;
  }
}

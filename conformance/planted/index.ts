import type { PlantedDefect } from '../broken-server.test-helper.ts';
import { DOCUMENTS_DEFECTS } from './documents.ts';
import { NUMBERING_DEFECTS } from './numbering.ts';
import { PROTOCOL_DEFECTS } from './protocol.ts';

/** Every planted defect, one group per file: the runner test proves each is caught by its check. */
export const PLANTED: PlantedDefect[] = [...PROTOCOL_DEFECTS, ...NUMBERING_DEFECTS, ...DOCUMENTS_DEFECTS];

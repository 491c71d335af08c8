/** Types of scripts/test-files.mjs (see there). */
export declare function allTestFiles(dir?: string): string[];
export declare function usesServer(file: string, seen?: Set<string>): boolean;
export declare function testFilesByServerUse(): { server: string[]; unit: string[] };

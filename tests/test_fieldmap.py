"""Filling the I-131 (01/20/25): every sample, read back field by field with readers formfill does not use.

The expected tables below are written out by hand per sample and per part, by fully qualified field
name; they are deliberately NOT derived from the field map, so a wrong entry in the map (a value in
the wrong box, a swapped yes/no pair, a wrong on-state) makes these tests fail. Checkbox meanings were
checked against each box's own tooltip in the blank (`formfill fields --json`).

Readers: pypdf (`PdfReader.get_fields()` and the widget annotations) and pdftk
(`dump_data_fields_utf8`); formfill itself verifies with pdfplumber, so neither is its own reader.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

import formfill
from formfill.blanks import read_blank
from formfill.errors import FormError
from tests.helpers import SAMPLES, invoke, require_tool

SAMPLE_NAMES = [
    "advance-parole-i485",
    "daca-educational",
    "reentry-permit",
    "refugee-travel-document",
    "re-parole",
    "initial-parole-fwvp",
    "parole-in-place-military",
]

SIGNATURE_FIELDS = [
    "form1[0].#subform[10].Part10_Line4_ApplicantSignature[0]",
    "form1[0].#subform[11].Part11_Line6_InterpreterSig[0]",
    "form1[0].#subform[12].Part12_Line6_PreparerSig[0]",
]

# Values the blank itself carries (the page barcodes, and one list box whose blank value is a space).
BLANK_DEFAULTS = {
    **{f"form1[0].#pageSet[0].Page1[{i}].PDF417BarCode1[0]": f"I-131|01/20/25|{i + 1}" for i in range(14)},
    "form1[0].#subform[8].P4_Line9a_State[0]": " ",
}

EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "advance-parole-i485": {
        "G-28": {
            "form1[0].P1[0].G28_Attached[0]": "/Y",
        },
        "1": {
            "form1[0].P1[0].CB_AppType[4]": "/5",
            "form1[0].P1[0].P1_Line5A[0]": "IOE0912345678",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_MiddleName[0]": "ELENA",
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "MARIA",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "GARCIA LOPEZ",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "Los Angeles",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "90017",
            "form1[0].P5[0].Part2_Line3_State[0]": "CA",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "1200 W 7th St",
            "form1[0].P5[0].Part2_Line3_Unit[1]": "/ APT ",
            "form1[0].P5[0].Part2_Line3_AptSteFlrNumber[0]": "4B",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].#area[0].Part2_Line5_AlienNumber[0]": "123456789",
            "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]": "123456789",
            "form1[0].P5[0].Part2_Line8_Gender[0]": "/F",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "03/14/1990",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "Mexico",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "Mexico",
            "form1[0].P5[0].Part2_Line12_ClassofAdmission[0]": "B2",
            "form1[0].P5[0].Part2_Line13_I94RecordNo[0]": "12345678901",
            "form1[0].P5[0].Part2_Line2_GivenName1[0]": "MARIA",
            "form1[0].P5[0].Part2_Line2_FamilyName1[0]": "GARCIA",
        },
        "3": {
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "5",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "4",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "3",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "5",
            "form1[0].P7[0].P3_Line5_EyeColor[0]": "/BRN",
            "form1[0].P7[0].P3_Line6_HairColor[8]": "/BLK",
            "form1[0].P7[0].P3_Line2_Race_White[0]": "/W",
            "form1[0].P7[0].P3_Line1_Ethnicity[1]": "/H",
        },
        "4": {
            "form1[0].P7[0].P4_Line2a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line3a_YesNo[0]": "/Y",
            "form1[0].P7[0].P4_Line3b_DateIssued[0]": "02/01/2024",
            "form1[0].P7[0].P4_Line3c_Disposition[0]": "Used and returned",
            "form1[0].P7[0].P4_Line4_YesNo[1]": "/N",
        },
        "7": {
            "form1[0].#subform[9].P7_Line4_CB[0]": "/O",
            "form1[0].#subform[9].P7_Line5_ExpectedLengthTrip[0]": "14",
            "form1[0].#subform[9].P7_Line2_Purpose[0]": (
                "Visit my mother in Guadalajara, who is hospitalized after a stroke."
            ),
            "form1[0].#subform[9].P7_Line1_DateOfDeparture[0]": "12/20/2026",
            "form1[0].#subform[9].P7_Line3_ListCountries[0]": "Mexico",
        },
        "10": {
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "2135550148",
            "form1[0].#subform[10].Part10_Line2_MobilePhone[0]": "2135550149",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "maria@example.com",
        },
        "12": {
            "form1[0].#subform[12].Part12_Line1_FamilyName[0]": "NGUYEN",
            "form1[0].#subform[12].Part12_Line1_GivenName[0]": "THAO",
            "form1[0].#subform[12].Part12_Line2_NameofBusinessorOrgName[0]": "Example Immigration Law LLP",
            "form1[0].#subform[12].Part12_Line5_Email[0]": "tnguyen@example.com",
            "form1[0].#subform[12].Part12_Line3_DayPhone[0]": "2135550100",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "GARCIA LOPEZ",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "MARIA",
            "form1[0].#subform[13].Part2_Line1_MiddleName[0]": "ELENA",
            "form1[0].#subform[13].Global_ANumber[0].Part2_Line5_AlienNumber[0]": "123456789",
        },
    },
    "daca-educational": {
        "1": {
            "form1[0].P2[0].CB_AppType[8]": "/9",
            "form1[0].P2[0].P1_Line5E[0]": "IOE0912345001",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_MiddleName[0]": "LUIS",
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "JOSE",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "HERNANDEZ RUIZ",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "Chicago",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "60625",
            "form1[0].P5[0].Part2_Line3_State[0]": "IL",
            "form1[0].P5[0].Part2_Line3_InCareofName[0]": "Ana Hernandez",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "4410 N Kedzie Ave",
            "form1[0].P5[0].Part2_Line3_Unit[2]": "/ FLR ",
            "form1[0].P5[0].Part2_Line3_AptSteFlrNumber[0]": "2",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].Part2_Line4_CityTown[0]": "Chicago",
            "form1[0].P5[0].Part2_Line4_ZipCode[0]": "60607",
            "form1[0].P5[0].Part2_Line4_State[0]": "IL",
            "form1[0].P5[0].Part2_Line4_StreetNumberName[0]": "1101 W Taylor St",
            "form1[0].P5[0].Part2_Line4_Unit[0]": "/ STE ",
            "form1[0].P5[0].Part2_Line4_AptSteFlrNumber[0]": "310",
            "form1[0].P5[0].Part2_Line4_Country[0]": "United States",
            "form1[0].P5[0].Part2_Line11_USCISOnlineAcctNumber[0]": "000123456789",
            "form1[0].P5[0].#area[0].Part2_Line5_AlienNumber[0]": "098765432",
            "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]": "321540987",
            "form1[0].P5[0].Part2_Line8_Gender[1]": "/M",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "07/04/2001",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "Mexico",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "Mexico",
        },
        "3": {
            "form1[0].P7[0].P3_Line2_Race_American[0]": "/I",
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "5",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "9",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "7",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "2",
            "form1[0].P7[0].P3_Line5_EyeColor[5]": "/HZL",
            "form1[0].P7[0].P3_Line6_HairColor[7]": "/BRN",
            "form1[0].P7[0].P3_Line2_Race_White[0]": "/W",
            "form1[0].P7[0].P3_Line1_Ethnicity[1]": "/H",
        },
        "4": {
            "form1[0].P7[0].P4_Line2a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line1_YesNo[0]": "/Y",
            "form1[0].P7[0].P4_Line3a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line4_YesNo[1]": "/N",
        },
        "7": {
            "form1[0].#subform[9].P7_Line4_CB[1]": "/M",
            "form1[0].#subform[9].P7_Line5_ExpectedLengthTrip[0]": "135",
            "form1[0].#subform[9].P7_Line2_Purpose[0]": (
                "Spring semester abroad at the Universidad Complutense de Madrid, a study abroad program "
                "required for my degree in Spanish and Latin American Studies at the University of "
                "Illinois Chicago.\nA one-week field seminar in Lisbon is part of the program."
            ),
            "form1[0].#subform[9].P7_Line1_DateOfDeparture[0]": "01/08/2027",
            "form1[0].#subform[9].P7_Line3_ListCountries[0]": "Spain, Portugal",
        },
        "10": {
            "form1[0].#subform[10].Part10_Line4_DateofSignature[0]": "11/20/2026",
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "3125550127",
            "form1[0].#subform[10].Part10_Line2_MobilePhone[0]": "3125550128",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "jose.hernandez@example.com",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "HERNANDEZ RUIZ",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "JOSE",
            "form1[0].#subform[13].Part2_Line1_MiddleName[0]": "LUIS",
            "form1[0].#subform[13].Global_ANumber[0].Part2_Line5_AlienNumber[0]": "098765432",
        },
    },
    "initial-parole-fwvp": {
        "1": {
            "form1[0].P2[0].CB_AppType[6]": "/18",
            "form1[0].P2[0].P1_Line6A[0]": "WAC1990012345",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_MiddleName[0]": "REYES",
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "EDUARDO",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "BAUTISTA",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "Los Angeles",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "90027",
            "form1[0].P5[0].Part2_Line3_State[0]": "CA",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "1550 N Vermont Ave",
            "form1[0].P5[0].Part2_Line3_Unit[1]": "/ APT ",
            "form1[0].P5[0].Part2_Line3_AptSteFlrNumber[0]": "210",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].Part2_Line11_USCISOnlineAcctNumber[0]": "123456789012",
            "form1[0].P5[0].#area[0].Part2_Line5_AlienNumber[0]": "087654321",
            "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]": "545550108",
            "form1[0].P5[0].Part2_Line8_Gender[1]": "/M",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "03/21/1958",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "Philippines",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "United States",
            "form1[0].P6[0].P2_Line16_FamilyName[0]": "BAUTISTA",
            "form1[0].P6[0].P2_Line16_GivenName[0]": "LORNA",
            "form1[0].P6[0].P2_Line16_MiddleName[0]": "AQUINO",
            "form1[0].P6[0].Part2_Line17_FamilyName1[0]": "AQUINO",
            "form1[0].P6[0].Part2_Line17_GivenName1[0]": "LORNA",
            "form1[0].P6[0].Part2_Line17_FamilyName2[0]": "BAUTISTA",
            "form1[0].P6[0].Part2_Line17_GivenName2[0]": "LORNA",
            "form1[0].P6[0].Part2_Line17_MiddleName2[0]": "A",
            "form1[0].P6[0].Part2_Line17_FamilyName3[0]": "AQUINO",
            "form1[0].P6[0].Part2_Line17_GivenName3[0]": "LORNA",
            "form1[0].P6[0].Part2_Line17_MiddleName3[0]": "MAE",
            "form1[0].P6[0].P2_Line18_DateOfBirth[0]": "10/10/1984",
            "form1[0].P6[0].P2_Line19_CountryOfBirth[0]": "Philippines",
            "form1[0].P6[0].P2_Line20_CountryOfCitizenship[0]": "Philippines",
            "form1[0].P6[0].P2_Line21_DaytimeTelephoneNumber[0]": "63255501234",
            "form1[0].P6[0].P2_Line22_Email[0]": "lorna.bautista@example.com",
            "form1[0].P6[0].P2_Line24_CityTown[0]": "Quezon City",
            "form1[0].P6[0].P2_Line24_StreetNumberName[0]": "45 Rizal Avenue",
            "form1[0].P6[0].P2_Line24_PostalCode[0]": "1100",
            "form1[0].P6[0].P2_Line24_Province[0]": "Metro Manila",
            "form1[0].P6[0].P2_Line24_Country[0]": "Philippines",
        },
        "3": {
            "form1[0].P7[0].P3_Line2_Race_Hawaiian[0]": "/H",
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "4",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "11",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "0",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "9",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "9",
            "form1[0].P7[0].P3_Line6_HairColor[8]": "/BLK",
            "form1[0].P7[0].P3_Line2_Race_Asian[0]": "/A",
            "form1[0].P7[0].P3_Line1_Ethnicity[0]": "/NH",
            "form1[0].P7[0].P3_Line5_EyeColor[8]": "/BLK",
        },
        "4": {
            "form1[0].P7[0].P4_Line2a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line3a_YesNo[1]": "/N",
        },
        "8": {
            "form1[0].#subform[10].P8_Line3a_DateOfIntendedArrival[0]": "03/01/2027",
            "form1[0].#subform[10].P8_Line3b_CityOrTown[0]": "Manila",
            "form1[0].#subform[10].P8_Line3b_Country[0]": "Philippines",
            "form1[0].#subform[10].P8_Line2_ExpectedLengthTripinUS[0]": "Until her visa is available",
            "form1[0].#subform[10].P8_Line1_Explain[0]": (
                "My daughter is the beneficiary of an approved Form I-130 I filed as the son of a Filipino "
                "World War II veteran. USCIS invited us to apply under the FWVP program."
            ),
        },
        "10": {
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "2135550102",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "e.bautista@example.com",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "BAUTISTA",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "EDUARDO",
            "form1[0].#subform[13].Part2_Line1_MiddleName[0]": "REYES",
            "form1[0].#subform[13].Global_ANumber[0].Part2_Line5_AlienNumber[0]": "087654321",
        },
    },
    "parole-in-place-military": {
        "1": {
            "form1[0].P3[0].CB_AppType[2]": "/24",
            "form1[0].P3[0].P1_Line8A_2[0]": "/1",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "LUCIA",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "NAVARRO",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "Fayetteville",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "28303",
            "form1[0].P5[0].Part2_Line3_State[0]": "NC",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "7 Liberty Ct",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].Part2_Line8_Gender[0]": "/F",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "12/01/1996",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "Guatemala",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "Guatemala",
        },
        "3": {
            "form1[0].P7[0].P3_Line2_Race_American[0]": "/I",
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "5",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "0",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "4",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "0",
            "form1[0].P7[0].P3_Line5_EyeColor[0]": "/BRN",
            "form1[0].P7[0].P3_Line6_HairColor[8]": "/BLK",
            "form1[0].P7[0].P3_Line1_Ethnicity[1]": "/H",
        },
        "4": {
            "form1[0].P7[0].P4_Line2a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line3a_YesNo[1]": "/N",
        },
        "8": {
            "form1[0].#subform[10].P8_Line2_ExpectedLengthTripinUS[0]": "1 year",
            "form1[0].#subform[10].P8_Line1_Explain[0]": (
                "I am the spouse of an active-duty U.S. Army sergeant stationed at Fort Liberty. I entered "
                "without inspection in 2015 and ask for military parole in place."
            ),
        },
        "10": {
            "form1[0].#subform[10].Part10_Line4_DateofSignature[0]": "11/27/2026",
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "9105550155",
            "form1[0].#subform[10].Part10_Line2_MobilePhone[0]": "9105550156",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "lucia.navarro@example.com",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "NAVARRO",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "LUCIA",
        },
    },
    "re-parole": {
        "G-28": {
            "form1[0].P1[0].G28_Attached[0]": "/Y",
        },
        "1": {
            "form1[0].P4[0].P1_Line12_DateOfAdmission[0]": "02/14/2027",
            "form1[0].P4[0].P1_Line10E_2[0]": "/1",
            "form1[0].P4[0].CB_AppType[8]": "/32",
            "form1[0].P4[0].P1_Line13_YesNo[1]": "/N",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_MiddleName[0]": "JAMES",
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "DARNELL",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "WILLIAMS",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "Killeen",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "76541",
            "form1[0].P5[0].Part2_Line3_State[0]": "TX",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "315 Fort Hood St",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]": "456550199",
            "form1[0].P5[0].Part2_Line8_Gender[1]": "/M",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "09/12/1985",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "United States",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "United States",
            "form1[0].P6[0].P2_Line16_FamilyName[0]": "WILLIAMS",
            "form1[0].P6[0].P2_Line16_GivenName[0]": "MARIA",
            "form1[0].P6[0].P2_Line16_MiddleName[0]": "FERNANDA",
            "form1[0].P6[0].Part2_Line17_FamilyName1[0]": "CASTILLO",
            "form1[0].P6[0].Part2_Line17_GivenName1[0]": "MARIA",
            "form1[0].P6[0].Part2_Line17_MiddleName1[0]": "FERNANDA",
            "form1[0].P6[0].P2_Line18_DateOfBirth[0]": "05/30/1990",
            "form1[0].P6[0].P2_Line19_CountryOfBirth[0]": "Honduras",
            "form1[0].P6[0].P2_Line20_CountryOfCitizenship[0]": "Honduras",
            "form1[0].P6[0].P2_Line21_DaytimeTelephoneNumber[0]": "2545550112",
            "form1[0].P6[0].P2_Line22_Email[0]": "maria.williams@example.com",
            "form1[0].P6[0].ANumber[0].P2_Line23_AlienNumber[0]": "234567890",
            "form1[0].P6[0].P2_Line24_CityTown[0]": "Killeen",
            "form1[0].P6[0].P2_Line24_ZipCode[0]": "76541",
            "form1[0].P6[0].P2_Line24_State[0]": "TX",
            "form1[0].P6[0].P2_Line24_InCareofName[0]": "Darnell Williams",
            "form1[0].P6[0].P2_Line24_StreetNumberName[0]": "315 Fort Hood St",
            "form1[0].P6[0].P2_Line24_Country[0]": "United States",
            "form1[0].P6[0].P2_Line25_CityTown[0]": "Harker Heights",
            "form1[0].P6[0].P2_Line25_ZipCode[0]": "76548",
            "form1[0].P6[0].P2_Line25_State[0]": "TX",
            "form1[0].P6[0].P2_Line25_StreetNumberName[0]": "1200 Veterans Memorial Blvd",
            "form1[0].P6[0].P2_Line25_Unit[1]": "/ APT ",
            "form1[0].P6[0].P2_Line25_AptSteFlrNumber[0]": "3C",
            "form1[0].P6[0].P2_Line25_Country[0]": "United States",
            "form1[0].P7[0].P2_Line26_ClassofAdmission[0]": "PAR",
            "form1[0].P7[0].P2_Line27_I94RecordNo[0]": "98765432101",
        },
        "3": {
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "5",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "3",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "2",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "1",
            "form1[0].P7[0].P3_Line5_EyeColor[0]": "/BRN",
            "form1[0].P7[0].P3_Line6_HairColor[8]": "/BLK",
            "form1[0].P7[0].P3_Line2_Race_White[0]": "/W",
            "form1[0].P7[0].P3_Line1_Ethnicity[1]": "/H",
        },
        "4": {
            "form1[0].P7[0].P4_Line2a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line3a_YesNo[1]": "/N",
        },
        "8": {
            "form1[0].#subform[10].P8_Line2_ExpectedLengthTripinUS[0]": "2 years",
            "form1[0].#subform[10].P8_Line1_Explain[0]": (
                "My wife was paroled under the IMMVI process in February 2025 as the spouse of a current "
                "U.S. Army service member. Her Form I-130 is approved and she is waiting for a visa "
                "number; she asks for re-parole so that she can remain with our family while her case is "
                "pending."
            ),
        },
        "9": {
            "form1[0].#subform[10].P9_Line1_EAD[0]": "/1",
        },
        "10": {
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "2545550110",
            "form1[0].#subform[10].Part10_Line2_MobilePhone[0]": "2545550111",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "d.williams@example.com",
        },
        "11": {
            "form1[0].#subform[11].Part11_Line3_DayPhone[0]": "2545550120",
            "form1[0].#subform[11].Part11_Line4_MobilePhone[0]": "2545550121",
            "form1[0].#subform[11].Part11_Line5_Email[0]": "creyes@example.com",
            "form1[0].#subform[11].P11_Language[0]": "Spanish",
            "form1[0].#subform[11].Part11_Line1_InterpreterFamilyName[0]": "REYES",
            "form1[0].#subform[11].Part11_Line1_InterpreterGivenName[0]": "CARMEN",
        },
        "12": {
            "form1[0].#subform[12].Part12_Line1_FamilyName[0]": "PATEL",
            "form1[0].#subform[12].Part12_Line1_GivenName[0]": "ANJALI",
            "form1[0].#subform[12].Part12_Line2_NameofBusinessorOrgName[0]": "Example Military Legal Clinic",
            "form1[0].#subform[12].Part12_Line5_Email[0]": "apatel@example.com",
            "form1[0].#subform[12].Part12_Line3_DayPhone[0]": "2545550130",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "WILLIAMS",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "DARNELL",
            "form1[0].#subform[13].Part2_Line1_MiddleName[0]": "JAMES",
        },
    },
    "reentry-permit": {
        "G-28": {
            "form1[0].P1[0].G28_Attached[0]": "/Y",
        },
        "1": {
            "form1[0].P1[0].CB_AppType[0]": "/1",
            "form1[0].P4[0].P1_Line13_YesNo[1]": "/N",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_MiddleName[0]": "DELA CRUZ",
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "ROSALINDA",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "SANTOS",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "San Francisco",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "94110",
            "form1[0].P5[0].Part2_Line3_State[0]": "CA",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "2250 Mission St",
            "form1[0].P5[0].Part2_Line3_Unit[1]": "/ APT ",
            "form1[0].P5[0].Part2_Line3_AptSteFlrNumber[0]": "12",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].#area[0].Part2_Line5_AlienNumber[0]": "012345678",
            "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]": "412550173",
            "form1[0].P5[0].Part2_Line8_Gender[0]": "/F",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "11/02/1968",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "Philippines",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "Philippines",
            "form1[0].P5[0].Part2_Line2_GivenName1[0]": "ROSALINDA",
            "form1[0].P5[0].Part2_Line2_FamilyName1[0]": "DELA CRUZ",
            "form1[0].P5[0].Part2_Line2_GivenName2[0]": "ROSA",
            "form1[0].P5[0].Part2_Line2_FamilyName2[0]": "SANTOS",
        },
        "3": {
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "5",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "8",
            "form1[0].P7[0].P3_Line6_HairColor[2]": "/GRY",
            "form1[0].P7[0].P3_Line2_Race_Asian[0]": "/A",
            "form1[0].P7[0].P3_Line1_Ethnicity[0]": "/NH",
            "form1[0].P7[0].P3_Line5_EyeColor[8]": "/BLK",
        },
        "4": {
            "form1[0].P7[0].P4_Line2c_Disposition[0]": "Expired; original attached",
            "form1[0].P7[0].P4_Line2a_YesNo[0]": "/Y",
            "form1[0].P7[0].P4_Line2b_DateIssued[0]": "05/16/2023",
            "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line3a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line4_YesNo[1]": "/N",
            "form1[0].#subform[7].P4_Line7a[0]": "/B",
            "form1[0].#subform[7].P4_Line7b_CityOrTown[0]": "Manila",
            "form1[0].#subform[7].P4_Line7b_Country[0]": "Philippines",
            "form1[0].#subform[8].P4_Line8_CB[1]": "/B",
            "form1[0].#subform[8].P4_Line9a_InCareofName[0]": "Marco Santos",
            "form1[0].#subform[8].P4_Line9a_CityTown[0]": "Daly City",
            "form1[0].#subform[8].P4_Line9a_ZipCode[0]": "94014",
            "form1[0].#subform[8].P4_Line9a_State[0]": "CA",
            "form1[0].#subform[8].P4_Line9a_StreetNumberName[0]": "88 Ocean Ave",
            "form1[0].#subform[8].P4_Line9a_Unit[0]": "/ STE ",
            "form1[0].#subform[8].P4_Line9a_AptSteFlrNumber[0]": "200",
            "form1[0].#subform[8].P4_Line9a_Country[0]": "United States",
            "form1[0].#subform[8].P4_Line9c_Email[0]": "marco.santos@example.com",
            "form1[0].#subform[8].P4_Line9b_Email[0]": "6505550143",
        },
        "5": {
            "form1[0].#subform[8].P5_Line1_6months[0]": "/Y",
        },
        "10": {
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "4155550131",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "rosalinda.santos@example.com",
        },
        "12": {
            "form1[0].#subform[12].Part12_Line1_FamilyName[0]": "OKAFOR",
            "form1[0].#subform[12].Part12_Line1_GivenName[0]": "CHIDI",
            "form1[0].#subform[12].Part12_Line2_NameofBusinessorOrgName[0]": "Bay Area Example Legal Aid",
            "form1[0].#subform[12].Part12_Line5_Email[0]": "cokafor@example.com",
            "form1[0].#subform[12].Part12_Line3_DayPhone[0]": "4155550100",
            "form1[0].#subform[12].Part12_Line4_MobilePhone[0]": "4155550101",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "SANTOS",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "ROSALINDA",
            "form1[0].#subform[13].Part2_Line1_MiddleName[0]": "DELA CRUZ",
            "form1[0].#subform[13].Global_ANumber[0].Part2_Line5_AlienNumber[0]": "012345678",
        },
    },
    "refugee-travel-document": {
        "1": {
            "form1[0].P1[0].CB_AppType[1]": "/2",
            "form1[0].P4[0].P1_Line13_YesNo[0]": "/Y",
        },
        "2": {
            "form1[0].P4[0].Part2_Line1_MiddleName[0]": "GEBRE",
            "form1[0].P4[0].Part2_Line1_GivenName[0]": "SELAM",
            "form1[0].P4[0].Part2_Line1_FamilyName[0]": "TESFAYE",
            "form1[0].P5[0].Part2_Line3_CityTown[0]": "Silver Spring",
            "form1[0].P5[0].Part2_Line3_ZipCode[0]": "20910",
            "form1[0].P5[0].Part2_Line3_State[0]": "MD",
            "form1[0].P5[0].Part2_Line3_StreetNumberName[0]": "9001 Georgia Ave",
            "form1[0].P5[0].Part2_Line3_Unit[1]": "/ APT ",
            "form1[0].P5[0].Part2_Line3_AptSteFlrNumber[0]": "705",
            "form1[0].P5[0].Part2_Line3_Country[0]": "United States",
            "form1[0].P5[0].#area[0].Part2_Line5_AlienNumber[0]": "209876543",
            "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]": "219550142",
            "form1[0].P5[0].Part2_Line8_Gender[0]": "/F",
            "form1[0].P5[0].Part2_Line9_DateOfBirth[0]": "02/28/1994",
            "form1[0].P5[0].Part2_Line6_CountryOfBirth[0]": "Eritrea",
            "form1[0].P5[0].Part2_Line7_CountryOfCitizenshiporNationality[0]": "Eritrea",
            "form1[0].P5[0].Part2_Line2_GivenName1[0]": "SELAM",
            "form1[0].P5[0].Part2_Line2_FamilyName1[0]": "GEBREMEDHIN",
        },
        "3": {
            "form1[0].P7[0].P3_Line2_Race_Black[0]": "/B",
            "form1[0].P7[0].P3_Line3_HeightFeet[0]": "5",
            "form1[0].P7[0].P3_Line3_HeightInches[0]": "6",
            "form1[0].P7[0].P3_Line4_Pound1[0]": "1",
            "form1[0].P7[0].P3_Line4_Pound2[0]": "2",
            "form1[0].P7[0].P3_Line4_Pound3[0]": "8",
            "form1[0].P7[0].P3_Line5_EyeColor[0]": "/BRN",
            "form1[0].P7[0].P3_Line6_HairColor[8]": "/BLK",
            "form1[0].P7[0].P3_Line1_Ethnicity[0]": "/NH",
        },
        "4": {
            "form1[0].P7[0].P4_Line2a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line3a_YesNo[1]": "/N",
            "form1[0].P7[0].P4_Line4_YesNo[1]": "/N",
            "form1[0].#subform[7].P4_Line7a[1]": "/A",
        },
        "6": {
            "form1[0].#subform[8].P6_Line2_YesNo[0]": "/N",
            "form1[0].#subform[8].P6_Line1_CountryRefugee[0]": "Eritrea",
            "form1[0].#subform[8].P6_Line3b_YesNo[0]": "/N",
            "form1[0].#subform[8].P6_Line3c_YesNo[1]": "/N",
            "form1[0].#subform[8].P6_Line3a_YesNo[1]": "/N",
            "form1[0].#subform[9].P6_Line4a_YesNo[0]": "/N",
            "form1[0].#subform[9].P6_Line5_YesNo[1]": "/Y",
            "form1[0].#subform[9].P6_Line4b_YesNo[1]": "/N",
            "form1[0].#subform[9].Line4c_No[0]": "/Y",
        },
        "10": {
            "form1[0].#subform[10].Part10_Line4_DateofSignature[0]": "11/25/2026",
            "form1[0].#subform[10].Part10_Line1_DayPhone[0]": "3015550166",
            "form1[0].#subform[10].Part10_Line2_MobilePhone[0]": "3015550167",
            "form1[0].#subform[10].Part10_Line3_Email[0]": "selam.t@example.com",
        },
        "11": {
            "form1[0].#subform[11].Part11_Line3_DayPhone[0]": "2025550188",
            "form1[0].#subform[11].Part11_Line5_Email[0]": "dhaile@example.com",
            "form1[0].#subform[11].P11_Language[0]": "Tigrinya",
            "form1[0].#subform[11].Part11_Line1_InterpreterFamilyName[0]": "HAILE",
            "form1[0].#subform[11].Part11_Line1_InterpreterGivenName[0]": "DAWIT",
            "form1[0].#subform[11].Part11_Line2_NameofBusinessorOrgName[0]": "Example Language Services",
        },
        "13": {
            "form1[0].#subform[13].Part2_Line1_FamilyName[0]": "TESFAYE",
            "form1[0].#subform[13].Part2_Line1_GivenName[0]": "SELAM",
            "form1[0].#subform[13].Part2_Line1_MiddleName[0]": "GEBRE",
            "form1[0].#subform[13].Global_ANumber[0].Part2_Line5_AlienNumber[0]": "209876543",
        },
    },
}

# Checkbox groups that answer one question, from the blank's own field names (not from the map).
_P = "form1[0]."
ONE_OF_GROUPS: dict[str, list[str]] = {
    "application type (37 CB_AppType boxes, items 1-11)": [],  # filled from the blank below
    "1.6.B IMMVI relationship": [f"{_P}P3[0].P1_Line6B_{i}[0]" for i in (1, 2, 3)],
    "1.8.A military PIP relationship": [f"{_P}P3[0].P1_Line8A_{i}[0]" for i in (1, 2)],
    "1.10.E IMMVI relationship": [f"{_P}P4[0].P1_Line10E_{i}[0]" for i in (1, 2, 3)],
    "1.10.H military PIP relationship": [f"{_P}P4[0].P1_Line10H_{i}[0]" for i in (1, 2)],
    "1.13 refugee yes/no": [f"{_P}P4[0].P1_Line13_YesNo[{i}]" for i in (0, 1)],
    "2.3 mailing unit": [f"{_P}P5[0].Part2_Line3_Unit[{i}]" for i in range(3)],
    "2.4 physical unit": [f"{_P}P5[0].Part2_Line4_Unit[{i}]" for i in range(3)],
    "2.8 sex": [f"{_P}P5[0].Part2_Line8_Gender[{i}]" for i in (0, 1)],
    "2.24 beneficiary mailing unit": [f"{_P}P6[0].P2_Line24_Unit[{i}]" for i in range(3)],
    "2.25 beneficiary physical unit": [f"{_P}P6[0].P2_Line25_Unit[{i}]" for i in range(3)],
    "3.1 ethnicity": [f"{_P}P7[0].P3_Line1_Ethnicity[{i}]" for i in (0, 1)],
    "3.5 eye color": [f"{_P}P7[0].P3_Line5_EyeColor[{i}]" for i in range(9)],
    "3.6 hair color": [f"{_P}P7[0].P3_Line6_HairColor[{i}]" for i in range(9)],
    "4.1 removal proceedings yes/no": [f"{_P}P7[0].P4_Line1_YesNo[{i}]" for i in (0, 1)],
    "4.2.a previous reentry permit yes/no": [f"{_P}P7[0].P4_Line2a_YesNo[{i}]" for i in (0, 1)],
    "4.3.a previous advance parole yes/no": [f"{_P}P7[0].P4_Line3a_YesNo[{i}]" for i in (0, 1)],
    "4.4 replacement yes/no": [f"{_P}P7[0].P4_Line4_YesNo[{i}]" for i in (0, 1)],
    "4.5 replacement reason": [f"{_P}#subform[7].P4_Line5[{i}]" for i in range(4)],
    "4.7 delivery": [f"{_P}#subform[7].P4_Line7a[{i}]" for i in (0, 1)],
    "4.8 notification": [f"{_P}#subform[8].P4_Line8_CB[{i}]" for i in (0, 1)],
    "4.9.a notify unit": [f"{_P}#subform[8].P4_Line9a_Unit[{i}]" for i in range(3)],
    "5.1 time outside the US": [
        f"{_P}#subform[8].P5_Line1_{s}[0]" for s in ("Lessthan6", "6months", "1to2", "2to3", "3to4", "morethan")
    ],
    "6.2 plan to travel yes/no": [f"{_P}#subform[8].P6_Line2_YesNo[{i}]" for i in (0, 1)],
    "6.3.a returned yes/no": [f"{_P}#subform[8].P6_Line3a_YesNo[{i}]" for i in (0, 1)],
    "6.3.b passport yes/no": [f"{_P}#subform[8].P6_Line3b_YesNo[{i}]" for i in (0, 1)],
    "6.3.c benefits yes/no": [f"{_P}#subform[8].P6_Line3c_YesNo[{i}]" for i in (0, 1)],
    "6.4.a reacquired yes/no": [f"{_P}#subform[9].P6_Line4a_YesNo[{i}]" for i in (0, 1)],
    "6.4.b new nationality yes/no": [f"{_P}#subform[9].P6_Line4b_YesNo[{i}]" for i in (0, 1)],
    "6.4.c status elsewhere yes/no": [f"{_P}#subform[9].Line4c_Yes[0]", f"{_P}#subform[9].Line4c_No[0]"],
    "6.5 before departure yes/no": [f"{_P}#subform[9].P6_Line5_YesNo[{i}]" for i in (0, 1)],
    "6.6.a outside the US yes/no": [f"{_P}#subform[9].P6_Line6a_YesNo[{i}]" for i in (0, 1)],
    "7.4 trips": [f"{_P}#subform[9].P7_Line4_CB[{i}]" for i in (0, 1)],
}


# --- readers -------------------------------------------------------------------------------------


_PYPDF_CACHE: dict[tuple[str, int], dict[str, str | None]] = {}


def pypdf_values(source: Path | bytes) -> dict[str, str | None]:
    """Every terminal field's /V as text (checkbox states keep their slash: '/Y', '/ APT ').

    A file is read once per process (several tests read each filled sample); each caller gets its own copy."""
    if isinstance(source, bytes):
        return _pypdf_read(source)
    key = (str(source), source.stat().st_mtime_ns)
    if key not in _PYPDF_CACHE:
        _PYPDF_CACHE[key] = _pypdf_read(source)
    return dict(_PYPDF_CACHE[key])


def _pypdf_read(source: Path | bytes) -> dict[str, str | None]:
    reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
    out: dict[str, str | None] = {}
    for name, fld in (reader.get_fields() or {}).items():
        if fld.get("/FT") is None or fld.get("/Kids"):
            continue
        value = fld.get("/V")
        # The authentic blank carries /V () on untouched fields; empty and absent mean the same.
        out[name] = None if value is None or str(value) == "" else str(value)
    return out


_PDFTK_KEYS = ("FieldType", "FieldName", "FieldNameAlt", "FieldFlags", "FieldValue", "FieldValueDefault",
               "FieldJustification", "FieldStateOption", "FieldMaxLength")


_PDFTK_CACHE: dict[tuple[str, int], dict[str, str]] = {}


def pdftk_values(path: Path) -> dict[str, str]:
    """pdftk's view of the fields: name -> value ('' when none). Multiline values continue on raw lines."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _PDFTK_CACHE:
        _PDFTK_CACHE[key] = _pdftk_read(path)
    return dict(_PDFTK_CACHE[key])


def _pdftk_read(path: Path) -> dict[str, str]:
    text = subprocess.run(
        [require_tool("pdftk"), str(path), "dump_data_fields_utf8"], capture_output=True, text=True, check=True
    ).stdout
    out: dict[str, str] = {}
    for block in text.split("\n---\n"):
        rec: dict[str, str] = {}
        last = None
        for line in block.strip("-\n").split("\n"):
            key = line.split(":", 1)[0]
            if key in _PDFTK_KEYS and line.startswith(key + ":"):
                last = key
                value = line[len(key) + 1:].removeprefix(" ")
                if key != "FieldStateOption":
                    rec[key] = value
            elif last is not None and last != "FieldStateOption":
                rec[last] += "\n" + line
        if rec.get("FieldType") and "FieldName" in rec:
            out[rec["FieldName"]] = rec.get("FieldValue", "")
    return out


def widgets(path: Path | bytes) -> dict[str, DictionaryObject]:
    """Each field's widget annotation by fully qualified name (in this form every field is one widget)."""
    reader = PdfReader(io.BytesIO(path) if isinstance(path, bytes) else path)
    out: dict[str, DictionaryObject] = {}
    for page in reader.pages:
        for ref in page.get("/Annots", []) or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            parts, node, ft = [], annot, None
            while node is not None:
                if "/T" in node:
                    parts.append(str(node["/T"]))
                ft = ft or node.get("/FT")
                node = node.get("/Parent").get_object() if "/Parent" in node else None
            annot_ft = ft
            out[".".join(reversed(parts))] = annot
            annot[NameObject("/_ft")] = NameObject(str(annot_ft)) if annot_ft else NameObject("/None")
    return out


def expected_for(sample: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for part, fields in EXPECTED[sample].items():
        for name, value in fields.items():
            assert name not in flat, f"{sample}: {name} listed twice (part {part})"
            flat[name] = value
    return flat


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filled(blank_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample filled once with the plain blank, through the public API, written to disk."""
    out_dir = tmp_path_factory.mktemp("filled")
    paths: dict[str, Path] = {}
    for name in SAMPLE_NAMES:
        out = out_dir / f"{name}.pdf"
        result = formfill.fill(SAMPLES / f"{name}.json", form=blank_plain, output=out)
        assert result.verification.ok and out.is_file()
        paths[name] = out
    return paths


@pytest.fixture(scope="module")
def blank_field_names(blank_plain: Path) -> set[str]:
    return set(pypdf_values(blank_plain))


# --- every sample, every part --------------------------------------------------------------------


def test_every_sample_has_an_expected_table() -> None:
    on_disk = sorted(p.stem for p in SAMPLES.glob("*.json"))
    assert on_disk == sorted(SAMPLE_NAMES) == sorted(EXPECTED)


def test_the_expected_tables_name_real_fields(blank_field_names: set[str]) -> None:
    for sample in SAMPLE_NAMES:
        unknown = set(expected_for(sample)) - blank_field_names
        assert not unknown, f"{sample}: not fields of the blank: {sorted(unknown)}"


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_sample_fields_part_by_part(sample: str, filled: dict[str, Path]) -> None:
    values = pypdf_values(filled[sample])
    wrong: list[str] = []
    for part, fields in EXPECTED[sample].items():
        for name, want in fields.items():
            got = values.get(name)
            if got != want:
                wrong.append(f"part {part}: {name} is {got!r}, expected {want!r}")
    assert not wrong, f"{sample}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_sample_leaves_every_other_field_as_the_blank_has_it(sample: str, filled: dict[str, Path]) -> None:
    expected = expected_for(sample)
    values = pypdf_values(filled[sample])
    stray = {
        name: value for name, value in values.items()
        if name not in expected and value not in (None, "", "/Off") and BLANK_DEFAULTS.get(name) != value
    }
    assert not stray, f"{sample}: values in fields that should be empty: {stray}"
    changed_defaults = {n: values.get(n) for n, v in BLANK_DEFAULTS.items() if n not in expected and values.get(n) != v}
    assert not changed_defaults, f"{sample}: blank values (barcodes) changed: {changed_defaults}"


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_signature_fields_stay_empty(sample: str, filled: dict[str, Path]) -> None:
    values = pypdf_values(filled[sample])
    tk = pdftk_values(filled[sample])
    for name in SIGNATURE_FIELDS:
        assert name in values, f"{name} missing from the output"
        assert values[name] in (None, ""), f"{sample}: {name} holds {values[name]!r}"
        assert tk.get(name, "") == "", f"{sample}: pdftk sees {tk[name]!r} in {name}"


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_pdftk_reads_the_expected_values(sample: str, filled: dict[str, Path]) -> None:
    """A second, independent reader (pdftk) finds every expected value, multiline text included."""
    tk = pdftk_values(filled[sample])
    assert set(tk) == set(pypdf_values(filled[sample])), "pdftk does not see every field"
    expected = expected_for(sample)
    for name, want in expected.items():
        assert name in tk, f"{sample}: pdftk does not see {name}"
        assert tk[name] == want.removeprefix("/"), f"{sample}: pdftk reads {tk[name]!r} in {name}, expected {want!r}"
    stray = {n: v for n, v in tk.items()
             if n not in expected and v not in ("", "Off") and BLANK_DEFAULTS.get(n) != v}
    assert not stray, f"{sample}: pdftk sees stray values {stray}"


def test_pdftk_sees_every_field_of_a_fill_from_the_plain_blank(filled: dict[str, Path]) -> None:
    tk = pdftk_values(filled["advance-parole-i485"])
    assert set(tk) == set(pypdf_values(filled["advance-parole-i485"]))


def test_pdftk_sees_every_field_of_a_fill_from_the_encrypted_blank(blank_encrypted: Path, tmp_path: Path) -> None:
    out = tmp_path / "enc.pdf"
    formfill.fill(SAMPLES / "advance-parole-i485.json", form=blank_encrypted, output=out)
    tk = pdftk_values(out)
    assert set(tk) == set(pypdf_values(out))
    assert len([n for n in tk if "BarCode" not in n]) == 339 - 14


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_exactly_the_expected_box_in_each_group(sample: str, filled: dict[str, Path],
                                                blank_field_names: set[str]) -> None:
    values = pypdf_values(filled[sample])
    expected = expected_for(sample)
    groups = dict(ONE_OF_GROUPS)
    app_types = sorted(n for n in blank_field_names if re.search(r"\.CB_AppType\[\d+\]$", n))
    assert len(app_types) == 37
    groups["application type (37 CB_AppType boxes, items 1-11)"] = app_types
    on_app = [n for n in app_types if values[n] not in (None, "/Off")]
    assert len(on_app) == 1, f"{sample}: application type boxes on: {on_app}"
    for group, members in groups.items():
        assert set(members) <= blank_field_names, f"group {group} names unknown fields"
        on = [n for n in members if values[n] not in (None, "/Off")]
        want = [n for n in members if n in expected]
        assert len(on) <= 1, f"{sample}: {group}: several boxes on: {on}"
        assert on == want, f"{sample}: {group}: on {on}, expected {want}"


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_checkbox_appearance_state_matches_value(sample: str, filled: dict[str, Path]) -> None:
    checked = 0
    for name, annot in widgets(filled[sample]).items():
        if str(annot["/_ft"]) != "/Btn":
            continue
        node = annot
        value = node.get("/V")
        while value is None and "/Parent" in node:
            node = node["/Parent"].get_object()
            value = node.get("/V")
        state = annot.get("/AS")
        on_states = [str(k) for k in annot["/AP"]["/N"] if k != "/Off"]
        if value is None or str(value) in ("", "/Off"):
            assert state in (None, "/Off"), f"{sample}: {name} shows {state} with no value"
        else:
            checked += 1
            assert str(value) in on_states, f"{sample}: {name} value {value} is not its on-state {on_states}"
            assert str(state) == str(value), f"{sample}: {name} /AS {state} != /V {value}"
    expected_boxes = sum(1 for v in expected_for(sample).values() if v.startswith("/"))
    assert checked == expected_boxes


# --- the blank as uscis.gov ships it, and other blanks ---------------------------------------------


@pytest.mark.slow
def test_encrypted_blank_fills_exactly_like_the_plain_one(
    blank_encrypted: Path, filled: dict[str, Path], tmp_path: Path
) -> None:
    for sample in ("daca-educational", "reentry-permit", "re-parole"):
        out = tmp_path / f"{sample}.pdf"
        formfill.fill(SAMPLES / f"{sample}.json", form=blank_encrypted, output=out)
        assert pypdf_values(out) == pypdf_values(filled[sample])
        assert pdftk_values(out) == pdftk_values(filled[sample])


@pytest.mark.parametrize("blank_name", ["plain", "encrypted"])
def test_output_is_a_plain_acroform_that_qpdf_accepts(
    blank_name: str, blank_plain: Path, blank_encrypted: Path, tmp_path: Path
) -> None:
    blank = blank_plain if blank_name == "plain" else blank_encrypted
    out = tmp_path / "out.pdf"
    formfill.fill(SAMPLES / "reentry-permit.json", form=blank, output=out)
    reader = PdfReader(out)
    assert not reader.is_encrypted
    acro = reader.trailer["/Root"]["/AcroForm"].get_object()
    assert "/XFA" not in acro
    assert "/Encrypt" not in reader.trailer
    check = subprocess.run([require_tool("qpdf"), "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_every_filled_sample_passes_qpdf_check(sample: str, filled: dict[str, Path]) -> None:
    check = subprocess.run([require_tool("qpdf"), "--check", str(filled[sample])], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_2019_edition_is_refused_with_exit_2_naming_the_supported_edition(
    blank_2019: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.pdf"
    result = invoke("fill", str(SAMPLES / "daca-educational.json"), "--form", str(blank_2019),
                                       "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "04/24/19" in result.output
    assert "01/20/25" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_2019_blank_is_decrypted_and_loses_its_xfa_at_the_engine_level(blank_2019: Path) -> None:
    original = PdfReader(blank_2019)
    assert original.is_encrypted
    blank = read_blank(blank_2019)
    assert blank.was_encrypted
    assert blank.had_xfa
    assert (blank.form, blank.edition) == ("I-131", "04/24/19")
    prepared = PdfReader(io.BytesIO(blank.data))
    assert not prepared.is_encrypted
    acro = prepared.trailer["/Root"]["/AcroForm"].get_object()
    assert "/XFA" not in acro
    assert len(blank.fields) > 100


def test_encrypted_current_blank_is_prepared_the_same_way(blank_encrypted: Path, blank_plain: Path) -> None:
    blank = read_blank(blank_encrypted)
    assert blank.was_encrypted and blank.had_xfa
    assert (blank.form, blank.edition) == ("I-131", "01/20/25")
    assert set(blank.fields) == set(read_blank(blank_plain).fields)
    assert "/XFA" not in PdfReader(io.BytesIO(blank.data)).trailer["/Root"]["/AcroForm"].get_object()


def _pdf_without_form(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.write(path)
    return path


def _pdf_with_other_form(path: Path) -> Path:
    """A one-field form whose barcode says it is an I-765: a USCIS form, but not ours."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    field = DictionaryObject({
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("PDF417BarCode1[0]"),
        NameObject("/V"): TextStringObject("I-765|08/21/25|1"), NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Widget"), NameObject("/F"): NumberObject(4),
        NameObject("/Rect"): ArrayObject([FloatObject(x) for x in (100, 100, 300, 120)]),
        NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
    })
    ref = writer._add_object(field)
    page[NameObject("/Annots")] = ArrayObject([ref])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([ref])})
    writer.write(path)
    return path


def test_a_pdf_without_fields_is_refused(tmp_path: Path) -> None:
    other = _pdf_without_form(tmp_path / "letter.pdf")
    with pytest.raises(FormError, match="no fillable fields"):
        formfill.fill(SAMPLES / "daca-educational.json", form=other)
    result = invoke("fill", str(SAMPLES / "daca-educational.json"), "--form", str(other),
                                       "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert "letter.pdf" in result.output
    assert not (tmp_path / "out.pdf").exists()


def test_another_uscis_form_is_refused_naming_it(tmp_path: Path) -> None:
    other = _pdf_with_other_form(tmp_path / "i-765.pdf")
    with pytest.raises(FormError) as err:
        formfill.fill(SAMPLES / "daca-educational.json", form=other)
    assert "I-765" in err.value.message
    assert "I-131 edition 01/20/25" in err.value.message
    result = invoke("fill", str(SAMPLES / "daca-educational.json"), "--form", str(other),
                                       "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert "I-765" in result.output
    assert not (tmp_path / "out.pdf").exists()


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "form.pdf"
    fake.write_text("not a pdf at all")
    result = invoke("fill", str(SAMPLES / "daca-educational.json"), "--form", str(fake),
                                       "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert "not a PDF" in result.output


# --- what prints ---------------------------------------------------------------------------------

PURPOSE = "form1[0].#subform[9].P7_Line2_Purpose[0]"
COUNTRIES = "form1[0].#subform[9].P7_Line3_ListCountries[0]"
SCALE = 2.0


def _render_page(path: Path | bytes, index: int) -> Any:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path if isinstance(path, bytes) else str(path))
    try:
        pdf.init_forms()
        page = pdf[index]
        image = page.render(scale=SCALE, may_draw_forms=True).to_pil().convert("L")
        height = page.get_height()
    finally:
        pdf.close()
    return image, height


def _changed_pixels(before: Any, after: Any, box: tuple[float, float, float, float], page_height: float) -> int:
    """How many pixels darkened between two renders inside a PDF-space box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    left, right = round(x0 * SCALE), round(x1 * SCALE)
    top, bottom = round((page_height - y1) * SCALE), round((page_height - y0) * SCALE)
    a = before.crop((left, top, right, bottom)).tobytes()
    b = after.crop((left, top, right, bottom)).tobytes()
    return sum(1 for p, q in zip(a, b, strict=True) if p - q > 80 and q < 128)


def test_rendered_purpose_lands_inside_its_box(blank_plain: Path, filled: dict[str, Path]) -> None:
    """pdfium draws page 10 (Part 7): the purpose text is inside the box, nothing spills past its edges."""
    rect = widgets(filled["daca-educational"])[PURPOSE]["/Rect"]
    x0, y0, x1, y1 = (float(v) for v in rect)
    blank_img, height = _render_page(blank_plain, 9)
    filled_img, height2 = _render_page(filled["daca-educational"], 9)
    assert height == height2 == 792
    inside = _changed_pixels(blank_img, filled_img, (x0, y0, x1, y1), height)
    assert inside > 500, "the purpose text does not show inside its box"
    # The box is ruled every 18 pt; each of its four bands holds one line of text, clear of the rules.
    band = 18.0
    for line in range(4):
        top = y1 - line * band
        assert _changed_pixels(blank_img, filled_img, (x0, top - band + 1.5, x1, top - 1.5), height) > 50, (
            f"line {line + 1}"
        )
        rule = top - band
        assert _changed_pixels(blank_img, filled_img, (x0, rule - 0.5, x1, rule + 0.5), height) == 0, (
            f"text touches the rule under line {line + 1}"
        )
    # Nothing in a strip just outside the right edge, or just below the box (the next item's label).
    assert _changed_pixels(blank_img, filled_img, (x1 + 0.5, y0, x1 + 20, y1), height) == 0
    assert _changed_pixels(blank_img, filled_img, (x0, y0 - 8, x1, y0 - 0.5), height) == 0
    # The countries box below received its own text.
    crect = [float(v) for v in widgets(filled["daca-educational"])[COUNTRIES]["/Rect"]]
    assert _changed_pixels(blank_img, filled_img, tuple(crect), height) > 100  # type: ignore[arg-type]


def test_long_multiline_answer_wraps_inside_the_box(blank_plain: Path, sample: Any) -> None:
    words = ("My grandmother raised me in Monterrey and is now in intensive care after heart surgery; her "
             "doctors expect her to remain hospitalized for several weeks. I am her only grandchild with "
             "medical training and the family asked me to help decide on her care. I will return to my "
             "classes in Houston as soon as she is stable.")
    assert 300 <= len(words) <= 340
    profile = sample("daca-educational")
    profile["travel"]["purpose"] = words
    profile["travel"]["purpose_category"] = "humanitarian_ill_relative"
    result = formfill.fill(profile, form=blank_plain)
    assert pypdf_values(result.data)[PURPOSE] == words
    annot = widgets(result.data)[PURPOSE]
    width = float(annot["/Rect"][2]) - float(annot["/Rect"][0])
    stream = annot["/AP"]["/N"].get_object().get_data().decode("latin-1")
    assert "/CourierNewPS-BoldMT 10 Tf" in stream
    lines = re.findall(r"\((.*?)\)\s*Tj", stream)
    assert len(lines) == 4, stream  # the 72-point box is ruled into four 18-point writing lines
    for line in lines:
        assert len(line) * 6 <= width - 4, f"{len(line)} characters do not fit {width:.0f} pt: {line!r}"
    assert " ".join(lines).split() == words.split()  # nothing lost or reordered
    ys = [float(y) for y in re.findall(r"1 0 0 1 [\d.]+ ([\d.]+) Tm", stream)]
    assert len(ys) == len(lines)
    height = float(annot["/Rect"][3]) - float(annot["/Rect"][1])
    for n, y in enumerate(ys):  # each baseline sits in its own band, glyphs clear of the rules
        band_top, band_bottom = height - n * 18, height - (n + 1) * 18
        assert band_bottom + 2.5 < y and y + 7.5 < band_top, (n, y)


# --- Part 1: every application type, basis and program ---------------------------------------------
# (profile sample, changes to `application`, expected Part 1 items 1-11 exactly) - written out by hand.

_RECEIPT = "EAC2690012345"
_AP = "advance-parole-i485"
PART1_CASES: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
    ("1 reentry permit", "reentry-permit", {}, {"form1[0].P1[0].CB_AppType[0]": "/1"}),
    ("2 refugee travel document", "refugee-travel-document", {}, {"form1[0].P1[0].CB_AppType[1]": "/2"}),
    ("3 refugee travel document (LPR)", "refugee-travel-document", {"type": "refugee_travel_document_lpr"},
     {"form1[0].P1[0].CB_AppType[2]": "/3"}),
    ("4 TPS", _AP, {"type": "tps_travel_authorization", "basis": None, "receipt_number": _RECEIPT},
     {"form1[0].P1[0].CB_AppType[3]": "/4", "form1[0].P1[0].P1_Line4[0]": _RECEIPT}),
    ("5.A pending I-485", _AP, {"receipt_number": _RECEIPT},
     {"form1[0].P1[0].CB_AppType[4]": "/5", "form1[0].P1[0].P1_Line5A[0]": _RECEIPT}),
    ("5.A pending I-485 without receipt", _AP, {"receipt_number": None}, {"form1[0].P1[0].CB_AppType[4]": "/5"}),
    ("5.B pending I-589", _AP, {"basis": "pending_i589", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[12]": "/6", "form1[0].P2[0].P1_Line5B[0]": _RECEIPT}),
    ("5.C pending I-821", _AP, {"basis": "pending_i821", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[10]": "/7", "form1[0].P2[0].P1_Line5C[0]": _RECEIPT}),
    ("5.D DED", _AP, {"basis": "ded", "receipt_number": None}, {"form1[0].P2[0].CB_AppType[7]": "/8"}),
    ("5.E DACA", _AP, {"basis": "daca", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[8]": "/9", "form1[0].P2[0].P1_Line5E[0]": _RECEIPT}),
    ("5.F T status", _AP, {"basis": "t_status", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[9]": "/10", "form1[0].P2[0].P1_Line5F[0]": _RECEIPT}),
    ("5.G U status", _AP, {"basis": "u_status", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[1]": "/11", "form1[0].P2[0].P1_Line5G[0]": _RECEIPT}),
    ("5.H parolee", _AP, {"basis": "parolee", "receipt_number": None},
     {"form1[0].P2[0].CB_AppType[0]": "/12", "form1[0].P2[0].P1_Line5H[0]": "B2"}),
    ("5.I family unity", _AP, {"basis": "family_unity", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[2]": "/13", "form1[0].P2[0].P1_Line5I[0]": _RECEIPT}),
    ("5.J pending I-687", _AP, {"basis": "pending_i687", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[3]": "/14", "form1[0].P2[0].P1_Line5J[0]": _RECEIPT}),
    ("5.K V status", _AP, {"basis": "v_status", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[4]": "/15", "form1[0].P2[0].P1_Line5K[0]": _RECEIPT}),
    ("5.L CNMI", _AP, {"basis": "cnmi", "receipt_number": _RECEIPT},
     {"form1[0].P2[0].CB_AppType[11]": "/16", "form1[0].P2[0].P1_Line5L[0]": _RECEIPT}),
    ("5.M other", _AP, {"basis": "other", "receipt_number": None, "explanation": "Approved I-730 follow-to-join."},
     {"form1[0].P2[0].CB_AppType[5]": "/17", "form1[0].P2[0].P1_Line5M[0]": "Approved I-730 follow-to-join."}),
    ("6.A FWVP", "initial-parole-fwvp", {},
     {"form1[0].P2[0].CB_AppType[6]": "/18", "form1[0].P2[0].P1_Line6A[0]": "WAC1990012345"}),
    ("6.B.1 IMMVI service member", "initial-parole-fwvp",
     {"program": "immvi", "receipt_number": None, "relationship_to_service_member": "service_member"},
     {"form1[0].P3[0].CB_AppType[8]": "/19", "form1[0].P3[0].P1_Line6B_1[0]": "/1"}),
    ("6.B.2 IMMVI family member", "initial-parole-fwvp",
     {"program": "immvi", "receipt_number": None, "relationship_to_service_member": "family_member"},
     {"form1[0].P3[0].CB_AppType[8]": "/19", "form1[0].P3[0].P1_Line6B_2[0]": "/1"}),
    ("6.B.3 IMMVI guardian", "initial-parole-fwvp",
     {"program": "immvi", "receipt_number": None, "relationship_to_service_member": "guardian_or_surrogate"},
     {"form1[0].P3[0].CB_AppType[8]": "/19", "form1[0].P3[0].P1_Line6B_3[0]": "/1"}),
    ("6.C intergovernmental referral", "initial-parole-fwvp",
     {"program": "intergovernmental_referral", "receipt_number": None,
      "referring_agency": "Example Federal Agency", "referring_official_email": "official@example.gov"},
     {"form1[0].P3[0].CB_AppType[7]": "/20", "form1[0].P3[0].P1_Line6C1[0]": "Example Federal Agency",
      "form1[0].P3[0].P1_Line6C2[0]": "official@example.gov"}),
    ("6.D FRTF", "initial-parole-fwvp",
     {"program": "frtf", "receipt_number": None, "frtf_registration_number": "FRTF-001234"},
     {"form1[0].P3[0].CB_AppType[0]": "/21", "form1[0].P3[0].P1_Line6D[0]": "FRTF-001234"}),
    ("6.E other program", "initial-parole-fwvp",
     {"program": "other", "receipt_number": None, "program_details": "Example humanitarian process"},
     {"form1[0].P3[0].CB_AppType[1]": "/22", "form1[0].P3[0].P1_Line6E[0]": "Example humanitarian process"}),
    ("7 initial parole, no program", "initial-parole-fwvp", {"program": None, "receipt_number": None},
     {"form1[0].P3[0].CB_AppType[5]": "/23"}),
    ("8.A.1 military PIP service member", "parole-in-place-military",
     {"relationship_to_service_member": "service_member"},
     {"form1[0].P3[0].CB_AppType[2]": "/24", "form1[0].P3[0].P1_Line8A_1[0]": "/1"}),
    ("8.A.2 military PIP family member", "parole-in-place-military", {},
     {"form1[0].P3[0].CB_AppType[2]": "/24", "form1[0].P3[0].P1_Line8A_2[0]": "/1"}),
    ("8.B FRTF", "parole-in-place-military",
     {"program": "frtf", "relationship_to_service_member": None, "frtf_registration_number": "FRTF-009876"},
     {"form1[0].P3[0].CB_AppType[4]": "/25", "form1[0].P3[0].P1_Line8B[0]": "FRTF-009876"}),
    ("8.C other program", "parole-in-place-military",
     {"program": "other", "relationship_to_service_member": None, "program_details": "Example PIP process"},
     {"form1[0].P3[0].CB_AppType[3]": "/26", "form1[0].P3[0].P1_Line8C[0]": "Example PIP process"}),
    ("9 parole in place, no program", "parole-in-place-military",
     {"program": None, "relationship_to_service_member": None}, {"form1[0].P3[0].CB_AppType[6]": "/27"}),
    ("10.A family reunification", "re-parole",
     {"program": "family_reunification_parole", "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[5]": "/28"}),
    ("10.B Afghans", "re-parole", {"program": "afghan", "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[4]": "/29"}),
    ("10.C Ukrainians", "re-parole", {"program": "ukraine", "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[6]": "/30"}),
    ("10.D FWVP", "re-parole", {"program": "fwvp", "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[7]": "/31"}),
    ("10.E.1 IMMVI service member", "re-parole", {"relationship_to_service_member": "service_member"},
     {"form1[0].P4[0].CB_AppType[8]": "/32", "form1[0].P4[0].P1_Line10E_1[0]": "/1"}),
    ("10.E.3 IMMVI guardian", "re-parole", {"relationship_to_service_member": "guardian_or_surrogate"},
     {"form1[0].P4[0].CB_AppType[8]": "/32", "form1[0].P4[0].P1_Line10E_3[0]": "/1"}),
    ("10.F CAM", "re-parole", {"program": "cam", "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[9]": "/33"}),
    ("10.G FRTF", "re-parole", {"program": "frtf", "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[1]": "/34"}),
    ("10.H.1 military PIP service member", "re-parole",
     {"program": "military_pip", "relationship_to_service_member": "service_member"},
     {"form1[0].P4[0].CB_AppType[2]": "/35", "form1[0].P4[0].P1_Line10H_1[0]": "/1"}),
    ("10.H.2 military PIP family member", "re-parole",
     {"program": "military_pip", "relationship_to_service_member": "family_member"},
     {"form1[0].P4[0].CB_AppType[2]": "/35", "form1[0].P4[0].P1_Line10H_2[0]": "/1"}),
    ("10.I other program", "re-parole",
     {"program": "other", "relationship_to_service_member": None, "program_details": "Example re-parole process"},
     {"form1[0].P4[0].CB_AppType[3]": "/36", "form1[0].P4[0].P1_Line10I[0]": "Example re-parole process"}),
    ("11 re-parole, no program", "re-parole", {"program": None, "relationship_to_service_member": None},
     {"form1[0].P4[0].CB_AppType[0]": "/37"}),
]


def test_part1_cases_cover_all_37_application_type_boxes() -> None:
    boxes = {n for _, _, _, fields in PART1_CASES for n in fields if "CB_AppType" in n}
    assert len(boxes) == 37


@pytest.mark.parametrize("label,sample_name,changes,expected", PART1_CASES, ids=[c[0] for c in PART1_CASES])
def test_part1_items_1_to_11(label: str, sample_name: str, changes: dict[str, Any], expected: dict[str, str],
                             blank_plain: Path, sample: Any) -> None:
    profile = sample(sample_name)
    profile["application"].update(changes)
    if profile["application"]["type"] != "advance_parole":
        profile.pop("travel", None)
    if profile["application"].get("basis") == "daca":
        profile["travel"]["purpose_category"] = "humanitarian_ill_relative"
    result = formfill.fill(profile, form=blank_plain)
    values = pypdf_values(result.data)
    part1 = {n: v for n, v in values.items()
             if v is not None and v != "/Off" and re.search(r"\.(CB_AppType|P1_Line\d+[A-Z]?(_\d)?\d?)\[", n)
             and "P1_Line12" not in n and "P1_Line13" not in n}
    assert part1 == expected, label


# --- the other answers of Parts 4 and 6 (the samples answer most of them one way) -------------------


def _part_values(data: bytes, pattern: str) -> dict[str, str]:
    return {n: v for n, v in pypdf_values(data).items()
            if v is not None and v != "/Off" and re.search(pattern, n) and BLANK_DEFAULTS.get(n) != v}


def test_part6_yes_answers_and_current_location(blank_plain: Path, sample: Any) -> None:
    profile = sample("refugee-travel-document")
    profile["refugee"].update({
        "plan_to_travel_there": True, "returned_there": True, "applied_for_passport": True,
        "received_benefits": True, "reacquired_nationality": True, "acquired_new_nationality": True,
        "granted_status_elsewhere": True, "filing_before_departure": False, "currently_outside_us": True,
        "current_location": "Nairobi, Kenya", "countries_visited": "Kenya, Ethiopia",
    })
    result = formfill.fill(profile, form=blank_plain)
    assert _part_values(result.data, r"\.(P6_|Line4c_)") == {
        "form1[0].#subform[8].P6_Line1_CountryRefugee[0]": "Eritrea",
        "form1[0].#subform[8].P6_Line2_YesNo[1]": "/Y",
        "form1[0].#subform[8].P6_Line3a_YesNo[0]": "/Y",
        "form1[0].#subform[8].P6_Line3b_YesNo[1]": "/Y",
        "form1[0].#subform[8].P6_Line3c_YesNo[0]": "/Y",
        "form1[0].#subform[9].P6_Line4a_YesNo[1]": "/Y",
        "form1[0].#subform[9].P6_Line4b_YesNo[0]": "/Y",
        "form1[0].#subform[9].Line4c_Yes[0]": "/Y",
        "form1[0].#subform[9].P6_Line5_YesNo[0]": "/N",
        "form1[0].#subform[9].P6_Line6a_YesNo[1]": "/Y",
        "form1[0].#subform[9].P6_Line6b_CityOrTown[0]": "Nairobi, Kenya",
        "form1[0].#subform[9].P6_Line6c_Country[0]": "Kenya, Ethiopia",
    }


def test_part4_replacement_corrections_and_notify_at_part2_address(blank_plain: Path, sample: Any) -> None:
    profile = sample("reentry-permit")
    processing = profile["processing"]
    processing["previous_advance_parole"] = {"date_issued": "2021-08-09", "disposition": "Used and returned"}
    processing["replacement"] = {
        "reason": "incorrect_uscis_error", "corrections": ["name", "date_of_birth", "photo"],
        "explanation": "The permit shows my birth date as 11/20/1968 and another person's photo.",
        "receipt_number": "IOE0998877665",
    }
    processing["delivery"]["notify"] = "us_address"
    result = formfill.fill(profile, form=blank_plain)
    assert _part_values(result.data, r"\.P4_") == {
        "form1[0].P7[0].P4_Line1_YesNo[1]": "/N",
        "form1[0].P7[0].P4_Line2a_YesNo[0]": "/Y",
        "form1[0].P7[0].P4_Line2b_DateIssued[0]": "05/16/2023",
        "form1[0].P7[0].P4_Line2c_Disposition[0]": "Expired; original attached",
        "form1[0].P7[0].P4_Line3a_YesNo[0]": "/Y",
        "form1[0].P7[0].P4_Line3b_DateIssued[0]": "08/09/2021",
        "form1[0].P7[0].P4_Line3c_Disposition[0]": "Used and returned",
        "form1[0].P7[0].P4_Line4_YesNo[0]": "/Y",
        "form1[0].#subform[7].P4_Line5[3]": "/4",
        "form1[0].#subform[7].P4_Line6a_Name[0]": "/A",
        "form1[0].#subform[7].P4_Line6a_DOB[0]": "/E",
        "form1[0].#subform[7].P4_Line6a_Photo[0]": "/E",
        "form1[0].#subform[7].P4_Line6a_Explanation[0]":
            "The permit shows my birth date as 11/20/1968 and another person's photo.",
        "form1[0].#subform[7].P4_Line6b_ReceiptNumber[0]": "IOE0998877665",
        "form1[0].#subform[7].P4_Line7a[0]": "/B",
        "form1[0].#subform[7].P4_Line7b_CityOrTown[0]": "Manila",
        "form1[0].#subform[7].P4_Line7b_Country[0]": "Philippines",
        "form1[0].#subform[8].P4_Line8_CB[0]": "/A",
    }
